/** The real appliance client pointed at a simulator, and the file sink's fetcher over it. */
import type { ArtifactFetcher } from '../../sinks/file/artifact-fetcher.ts';
import type { Product } from '../../src/records.ts';
import type { SimulatorHandle } from '../../src/simulator/simulator.ts';
import { createArtifactFetcher } from '../../stages/sources/appliance/artifact-fetcher.ts';
import { ApplianceClient } from '../../stages/sources/appliance/index.ts';

export function simulatorClient(sim: Pick<SimulatorHandle, 'url' | 'clientId' | 'clientSecret'>): ApplianceClient {
  return new ApplianceClient({ site: sim.url, credentials: { kind: 'oauth', clientId: sim.clientId, clientSecret: sim.clientSecret }, backoff: { baseDelayMs: 10, maxDelayMs: 50 } });
}

export function simulatorFetcher(client: ApplianceClient, product: Product, host: string = client.site.host): ArtifactFetcher {
  return createArtifactFetcher(client, product, host);
}
