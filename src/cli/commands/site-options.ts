/**
 * Command-line options shared by the commands that talk to an appliance (`pull`, `test-site`): the
 * site's address, credentials (flags or environment variables, so secrets stay out of shell history
 * and `ps`), TLS trust and the request rate.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import type { Logger } from '../../stage.ts';
import type { Product } from '../../records.ts';
import { ApplianceClient, type ApplianceCredentials } from '../../../stages/sources/appliance/appliance-client.ts';
import { parseSiteAddress } from '../../../stages/sources/appliance/site-address.ts';

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

export function credentialsFrom(flags: SiteFlags, env: NodeJS.ProcessEnv = process.env): ApplianceCredentials {
  if (flags.legacyAuth === true || flags.username !== undefined) {
    const username = flags.username ?? env.SRA_USERNAME;
    const password = flags.password ?? env.SRA_PASSWORD;
    if (!username || !password) throw new ConfigError('--legacy-auth needs a username and password: --username/--password or SRA_USERNAME/SRA_PASSWORD', { code: 'usage' });
    return { kind: 'legacy', username, password };
  }
  const clientId = flags.clientId ?? env.SRA_CLIENT_ID;
  const clientSecret = flags.clientSecret ?? env.SRA_CLIENT_SECRET;
  if (!clientId || !clientSecret) {
    throw new ConfigError(`no API credentials: give the API account's OAuth client ID and secret (--client-id/--client-secret or SRA_CLIENT_ID/SRA_CLIENT_SECRET), or --legacy-auth for appliances before 16.1`, { code: 'usage' });
  }
  return { kind: 'oauth', clientId, clientSecret };
}

/** A client for `site` configured from the flags. */
export function clientFrom(site: string, flags: SiteFlags, logger: Logger): ApplianceClient {
  const rate = Number(flags.rateLimit);
  if (!(rate > 0 && rate <= 1000)) throw new ConfigError(`--rate-limit ${JSON.stringify(flags.rateLimit)}: expected requests per second between 0 and 1000`, { code: 'usage' });
  let ca: string | undefined;
  if (flags.ca !== undefined) {
    try {
      ca = readFileSync(flags.ca, 'utf8');
    } catch (error) {
      throw new ConfigError(`--ca ${flags.ca}: cannot read it (${(error as Error).message})`, { cause: error });
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`--ca ${flags.ca}: not a PEM certificate file (no BEGIN CERTIFICATE line)`);
  }
  return new ApplianceClient({
    site: parseSiteAddress(site),
    credentials: credentialsFrom(flags),
    rateLimit: rate,
    logger,
    ...(ca === undefined ? {} : { ca }),
    ...(flags.insecure === true ? { insecure: true } : {}),
  });
}
