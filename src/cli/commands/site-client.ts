/**
 * The appliance client a command's site flags (site-options.ts) describe: credentials from the flags
 * or the environment, the `--ca` file, the request rate. Imported by the commands' actions only, so
 * the HTTP client (got) is loaded when a command talks to an appliance, not to print `--help`.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors.ts';
import type { Logger } from '../../stage.ts';
import { ApplianceClient, type ApplianceCredentials } from '../../../stages/sources/appliance/appliance-client.ts';
import { parseSiteAddress } from '../../../stages/sources/appliance/site-address.ts';
import type { SiteFlags } from './site-options.ts';

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
