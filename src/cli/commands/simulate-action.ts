/**
 * What `sra-etl simulate` does (registered in simulate.ts): check the flags, start the simulator,
 * print how to reach it, and stop it on Ctrl-C.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../errors.ts';
import { FAULT_KINDS, type FaultKind } from '../../simulator/faults.ts';
import { startSimulator, type SimulatorOptions } from '../../simulator/simulator.ts';
import type { SimulateFlags } from './simulate.ts';

function integer(value: string, option: string, min: number): number {
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new ConfigError(`${option} ${JSON.stringify(value)}: expected an integer >= ${min}`, { code: 'usage' });
  return Number(value);
}

export function simulatorOptionsFrom(flags: SimulateFlags): SimulatorOptions {
  if (flags.product !== 'rs' && flags.product !== 'pra') throw new ConfigError(`--product ${JSON.stringify(flags.product)}: use rs or pra`, { code: 'usage' });
  if (flags.locale !== 'en' && flags.locale !== 'fr') throw new ConfigError(`--locale ${JSON.stringify(flags.locale)}: use en or fr`, { code: 'usage' });
  const rate = Number(flags.faultRate);
  if (!(rate >= 0 && rate <= 1)) throw new ConfigError(`--fault-rate ${JSON.stringify(flags.faultRate)}: expected a probability between 0 and 1`, { code: 'usage' });
  const kinds = flags.faults.split(',').map((kind) => kind.trim()).filter((kind) => kind !== '');
  for (const kind of kinds) {
    if (!FAULT_KINDS.includes(kind as FaultKind)) throw new ConfigError(`--faults: unknown fault ${JSON.stringify(kind)}; use some of ${FAULT_KINDS.join(', ')}`, { code: 'usage' });
  }
  return {
    port: integer(flags.port, '--port', 0),
    listen: flags.listen,
    sessions: integer(flags.sessions, '--sessions', 1),
    days: integer(flags.days, '--days', 1),
    seed: flags.seed,
    product: flags.product,
    clockSkewSeconds: integer(flags.skew, '--skew', -1e9),
    tls: flags.tls === true,
    locale: flags.locale,
    legacyOnly: flags.legacyOnly === true,
    tokenLifetimeSeconds: integer(flags.tokenLifetime, '--token-lifetime', 1),
    ...(rate > 0 ? { faults: { rate, kinds: kinds as FaultKind[], seed: flags.seed } } : {}),
    ...(flags.rateLimit === undefined ? {} : { rateLimit: integer(flags.rateLimit, '--rate-limit', 1) }),
    ...(flags.clientId === undefined ? {} : { clientId: flags.clientId }),
    ...(flags.clientSecret === undefined ? {} : { clientSecret: flags.clientSecret }),
  };
}

/** Runs the simulator in the foreground until SIGINT or SIGTERM. */
export async function runSimulator(flags: SimulateFlags): Promise<void> {
  const options = simulatorOptionsFrom(flags);
  const sim = await startSimulator(options);
  const ca = fileURLToPath(new URL('../../../fixtures/tls/ca.pem', import.meta.url));
  const out = process.stdout;
  out.write(`SIMULATED BeyondTrust ${sim.product === 'rs' ? 'Remote Support' : 'Privileged Remote Access'} appliance (sra-etl simulator, synthetic data)\n`);
  out.write(`  listening on   ${sim.url}\n`);
  out.write(`  data           ${options.sessions} sessions over ${options.days} days, seed ${String(options.seed)}; appliance time ${new Date(sim.applianceNow()).toISOString()}\n`);
  if (options.legacyOnly === true) out.write(`  login          username ${sim.username}, password ${sim.password} (legacy .ns endpoints only)\n`);
  else out.write(`  OAuth client   id ${sim.clientId}, secret ${sim.clientSecret} (legacy login: ${sim.username} / ${sim.password})\n`);
  if (options.faults !== undefined) out.write(`  faults         ${options.faults.rate * 100}% of API requests (${(options.faults.kinds ?? FAULT_KINDS).join(', ')})\n`);
  const site = sim.url.startsWith('https') ? `${sim.host} --ca ${ca}` : sim.url;
  out.write(`  try            sra-etl test-site ${site} --client-id ${sim.clientId} --client-secret ${sim.clientSecret}\n`);
  out.write('  state          GET /__simulator (Ctrl-C to stop)\n');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sim.close();
  out.write(`simulator stopped after ${sim.stats.requests} requests, ${sim.stats.tokensIssued} tokens issued\n`);
}
