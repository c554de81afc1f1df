/**
 * `sra-etl test-site`: checks, step by step, that sra-etl can pull from a site: the address answers,
 * TLS verifies, the credentials work, which reports the account may read, and how far the
 * appliance's clock is from this machine's. Each failure is explained in plain words with what to do.
 * This file only registers the command; test-site-action.ts (the checks, the HTTP client) is
 * imported when it runs.
 */
import type { Command } from 'commander';
import { addSiteOptions, CREDENTIAL_HELP, type SiteFlags } from './site-options.ts';

export function registerTestSite(program: Command): void {
  const command = program
    .command('test-site')
    .description('Check that sra-etl can pull from a site: reachability, TLS, credentials, which reports the account may read, clock offset.')
    .argument('<host>', 'the appliance\'s host name, e.g. support.example.com (http://127.0.0.1:<port> for the simulator)')
    .option('--product <rs|pra>', 'check only this product\'s reports (default: find out which the site is)');
  addSiteOptions(command)
    .addHelpText('after', `${CREDENTIAL_HELP}

Examples:
  $ SRA_CLIENT_ID=… SRA_CLIENT_SECRET=… sra-etl test-site support.example.com
  $ sra-etl test-site 127.0.0.1:8941 --ca fixtures/tls/ca.pem --client-id sra-etl-simulator --client-secret simulator-secret

Exits 0 when every check passed (warnings allowed), 1 otherwise.`)
    .action(async (host: string, flags: SiteFlags) => {
      const { testSite } = await import('./test-site-action.ts');
      await testSite(host, flags);
    });
}
