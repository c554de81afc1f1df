/**
 * The appliance client as the file destination's ArtifactFetcher (sinks/file/artifact-fetcher.ts):
 * recordings by the sink's data-type names, and site backups. Kept structural (no import from
 * sinks/) so the source never depends on a destination.
 */
import type { Product } from '../../../src/records.ts';
import type { ApplianceClient } from './appliance-client.ts';
import { downloadBackup, downloadRecording, type Download, type RecordingKind } from './downloads.ts';

const KINDS: Readonly<Record<string, RecordingKind>> = { recording: 'session', 'shell-recording': 'command_shell', 'sms-recording': 'show_my_screen' };

export interface ApplianceArtifactFetcher {
  readonly host: string;
  fetchRecording(request: { readonly kind: string; readonly lsid: string; readonly instance: number | null; readonly product: Product | null }, signal: AbortSignal): Promise<Download>;
  fetchBackup(options: { readonly password?: string }, signal: AbortSignal): Promise<Download>;
}

/** Downloads through `client` for a site of `product`; `host` names the site in file names. */
export function createArtifactFetcher(client: ApplianceClient, product: Product, host: string = client.site.host): ApplianceArtifactFetcher {
  return {
    host,
    fetchRecording(request, signal) {
      const kind = KINDS[request.kind];
      if (kind === undefined) throw new RangeError(`unknown recording kind ${JSON.stringify(request.kind)}`);
      return downloadRecording(client, {
        product: request.product ?? product, lsid: request.lsid, kind, signal,
        ...(request.instance === null ? {} : { instance: request.instance }),
      });
    },
    fetchBackup(options, signal) {
      return downloadBackup(client, { ...options, signal });
    },
  };
}
