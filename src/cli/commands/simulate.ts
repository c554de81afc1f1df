/**
 * `sra-etl simulate`: runs the local appliance simulator in the foreground until Ctrl-C, so the tool
 * can be tried, demonstrated and tested without a BeyondTrust appliance.
 */
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { FAULT_KINDS, type FaultKind } from '../../simulator/faults.ts';
import { startSimulator, type SimulatorOptions } from '../../simulator/simulator.ts';

interface SimulateFlags {
  port: string;
  listen: string;
  sessions: string;
  days: string;
  seed: string;
  product: string;
  skew: string;
  tls?: boolean;
  faultRate: string;
  faults: string;
  rateLimit?: string;
  locale: string;
  legacyOnly?: boolean;
  clientId?: string;
  clientSecret?: string;
  tokenLifetime: string;
}

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

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('Run a local SIMULATED BeyondTrust appliance (synthetic data) to try, demo and test sra-etl without a real one.')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8940')
    .option('--listen <address>', 'interface to listen on', '127.0.0.1')
    .option('--sessions <n>', 'sessions in the synthetic data set', '200')
    .option('--days <n>', 'days the sessions are spread over, ending now (the last ones are still in progress)', '7')
    .option('--seed <seed>', 'seed of the synthetic data (same seed, same sessions)', '1')
    .option('--product <rs|pra>', 'Remote Support (SupportSession…) or Privileged Remote Access (AccessSession…)', 'pra')
    .option('--skew <seconds>', 'the simulated appliance clock runs this many seconds ahead (negative: behind)', '0')
    .option('--tls', 'serve HTTPS with the test certificate in fixtures/tls (clients need --ca fixtures/tls/ca.pem)')
    .option('--fault-rate <p>', 'probability that an API request gets a random fault', '0')
    .option('--faults <kinds>', `faults to draw from, comma-separated: ${FAULT_KINDS.join(',')}`, FAULT_KINDS.join(','))
    .option('--rate-limit <n>', 'answer 429 when more than n requests arrive within a second (default: only count)')
    .option('--locale <en|fr>', 'language of the appliance\'s messages (the "no data" error is localized)', 'en')
    .option('--legacy-only', 'behave like an appliance before 16.1: no OAuth, username/password on /api/reporting.ns')
    .option('--client-id <id>', 'OAuth client ID to accept (default sra-etl-simulator)')
    .option('--client-secret <secret>', 'OAuth client secret to accept (default simulator-secret)')
    .option('--token-lifetime <seconds>', 'OAuth token lifetime (expires_in)', '3600')
    .addHelpText('after', `
Examples:
  $ sra-etl simulate --port 8940 --product pra --sessions 500 --days 3
  $ sra-etl test-site http://127.0.0.1:8940 --client-id sra-etl-simulator --client-secret simulator-secret
  $ sra-etl simulate --tls --fault-rate 0.1 --faults rate_limit,server_error,reset

Control endpoints for scripts: GET /__simulator (state and counters), POST /__simulator/clock
{"advanceSeconds":3600}, POST /__simulator/faults {"match":{"report":"AccessSession"},"fault":{"kind":"reset","afterBytes":5000}},
DELETE /__simulator/faults, POST /__simulator/reset-stats.`)
    .action(async (flags: SimulateFlags) => {
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
    });
}
