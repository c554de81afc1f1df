/**
 * The transfer runner `run` and `serve` use by default: pull the site's data since its watermark and
 * load it into the destination. It is assembled from the appliance source (stages/) and the
 * destinations (sinks/), loaded lazily.
 */
import type { EtlConfig } from '../config/config-types.ts';
import { EtlError } from '../errors.ts';
import type { TransferRunner } from '../scheduler/transfer-runner.ts';
import type { Logger } from '../stage.ts';

export function defaultTransferRunner(_config: EtlConfig, _logger: Logger): Promise<TransferRunner> {
  return Promise.resolve(async ({ transfer }) => {
    throw new EtlError(
      `transfer ${transfer.index + 1} (${transfer.site} -> ${transfer.destination}): this build has no incremental appliance pull yet, so scheduled transfers cannot run; use a build that includes it`,
      'internal',
      'scheduling',
    );
  });
}
