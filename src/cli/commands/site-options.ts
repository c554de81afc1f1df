/**
 * Command-line options shared by the commands that talk to an appliance (`pull`, `test-site`,
 * `replay --site`): the site's address, credentials (flags or environment variables, so secrets
 * stay out of shell history and `ps`), TLS trust and the request rate. Only the options and their
 * help live here, so registering a command loads no HTTP client; site-client.ts turns the flags into
 * an ApplianceClient when a command runs.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import type { Product } from '../../records.ts';

export interface SiteFlags {
  clientId?: string;
  clientSecret?: string;
  legacyAuth?: boolean;
  username?: string;
  password?: string;
  ca?: string;
  insecure?: boolean;
  rateLimit: string;
  product?: string;
}

export const CREDENTIAL_HELP = `
Credentials (flags or environment variables; prefer the variables, flags show up in ps):
  OAuth API account (appliances 16.1+)   --client-id / SRA_CLIENT_ID, --client-secret / SRA_CLIENT_SECRET
  user login (appliances before 16.1)    --legacy-auth with --username / SRA_USERNAME, --password / SRA_PASSWORD`;

/** Adds the site connection options to a command. */
export function addSiteOptions(command: Command): Command {
  return command
    .option('--client-id <id>', 'OAuth client ID of the API account (or SRA_CLIENT_ID)')
    .option('--client-secret <secret>', 'OAuth client secret (or SRA_CLIENT_SECRET)')
    .option('--legacy-auth', 'appliances before 16.1: log in with a username and password on the .ns endpoints')
    .option('--username <name>', 'login for --legacy-auth (or SRA_USERNAME)')
    .option('--password <password>', 'password for --legacy-auth (or SRA_PASSWORD)')
    .option('--ca <file.pem>', 'also trust the CA certificate(s) in this PEM file (appliances with a private CA)')
    .option('--insecure', 'do not verify the appliance certificate (test appliances only)')
    .option('--rate-limit <n>', 'API requests per second, at most (the appliance allows 20)', '20');
}

export function productFrom(text: string | undefined): Product {
  if (text === 'rs' || text === 'pra') return text;
  throw new ConfigError(`--product ${JSON.stringify(text)}: use rs (Remote Support: SupportSession reports) or pra (Privileged Remote Access: AccessSession reports)`, { code: 'usage' });
}
