/**
 * The real appliance client pointed at a simulator, as the file sink's ArtifactFetcher.
 * (Until the appliance source's own createArtifactFetcher is on main; then this defers to it.)
 */
import type { ArtifactFetcher } from '../../sinks/file/artifact-fetcher.ts';
import type { Product } from '../../src/records.ts';
import type { SimulatorHandle } from '../../src/simulator/simulator.ts';
import { ApplianceClient, downloadBackup, downloadRecording, type RecordingKind } from '../../stages/sources/appliance/index.ts';

const KINDS: Readonly<Record<string, RecordingKind>> = { recording: 'session', 'shell-recording': 'command_shell', 'sms-recording': 'show_my_screen' };

export function simulatorClient(sim: Pick<SimulatorHandle, 'url' | 'clientId' | 'clientSecret'>): ApplianceClient {
  return new ApplianceClient({ site: sim.url, credentials: { kind: 'oauth', clientId: sim.clientId, clientSecret: sim.clientSecret }, backoff: { baseDelayMs: 10, maxDelayMs: 50 } });
}

export function simulatorFetcher(client: ApplianceClient, product: Product, host: string = client.site.host): ArtifactFetcher {
  return {
    host,
    fetchRecording: (request, signal) => downloadRecording(client, { product: request.product ?? product, lsid: request.lsid, kind: KINDS[request.kind] ?? 'session', signal, ...(request.instance === null ? {} : { instance: request.instance }) }),
    fetchBackup: (options, signal) => downloadBackup(client, { ...options, signal }),
  };
}
