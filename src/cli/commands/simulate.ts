/**
 * `sra-etl simulate`: runs the local appliance simulator in the foreground until Ctrl-C, so the tool
 * can be tried, demonstrated and tested without a BeyondTrust appliance. This file only registers
 * the command; simulate-action.ts (the simulator's HTTP server and data) is imported when it runs.
 */
import type { Command } from 'commander';
import { FAULT_KINDS } from '../../simulator/faults.ts';

/** `simulate`'s flags as commander parses them. */
export interface SimulateFlags {
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
      const { runSimulator } = await import('./simulate-action.ts');
      await runSimulator(flags);
    });
}
