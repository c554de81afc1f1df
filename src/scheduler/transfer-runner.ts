/**
 * What the scheduler needs from the pipeline: run one transfer (site -> destination, some data types)
 * to completion or until its signal aborts, and report counts. The real implementation drives the
 * appliance pull into a destination (src/scheduler/pipeline-transfer-runner.ts); tests pass simple
 * runners of their own.
 *
 * Contract:
 * - Resolve only once everything the transfer loaded is committed; throw (an EtlError, ideally) when
 *   the appliance or the destination cannot be reached or refuses.
 * - On abort, stop reading, roll back the open batch and reject promptly (the daemon waits a bounded
 *   time on shutdown). Watermarks may advance only past committed data.
 */
import type { DestinationConfig, ScheduleConfig, SiteConfig, TransferConfig } from '../config/config-types.ts';
import type { ProgressReporter } from '../progress/progress.ts';
import type { Logger } from '../stage.ts';
import type { TransferCounts } from './run-history.ts';

export interface TransferRequest {
  readonly schedule: ScheduleConfig;
  readonly transfer: TransferConfig;
  readonly site: SiteConfig;
  readonly destination: DestinationConfig;
  /** The run this transfer belongs to (run history id). */
  readonly runId: number;
}

export interface TransferContext {
  readonly signal: AbortSignal;
  /** Bound with schedule, run and transfer. */
  readonly logger: Logger;
  /** Windows, sessions and bytes as they complete; drawn on a terminal, silent otherwise. */
  readonly progress: ProgressReporter;
}

export interface TransferOutcome extends Partial<TransferCounts> {
  /** One line for the run history and `status`, e.g. "2 windows, 3 sessions still in progress". */
  readonly detail?: string;
}

export type TransferRunner = (request: TransferRequest, ctx: TransferContext) => Promise<TransferOutcome>;

/** A runner that keeps resources between runs (one HTTP client and OAuth token per site) and releases them at the end. */
export interface ClosableTransferRunner extends TransferRunner {
  close?(): Promise<void>;
}
