/**
 * Where a site lives. Users write a site the way the vendor's Integration Client asks for it, a bare
 * host name (`support.example.com`), optionally with a port; an explicit `http://` is accepted for the
 * local simulator only. The `host` is what the session table's `host_name` column and the state store
 * key on, so it stays the same however the address is spelt.
 */
import { ConfigError } from '../../../src/errors.ts';

export interface SiteAddress {
  /** Base URL the API paths are resolved against (`https://support.example.com/`). */
  readonly baseUrl: URL;
  /** `hostname[:port]` with the port only when it is not the scheme's default. */
  readonly host: string;
  readonly secure: boolean;
}

/** Parses `support.example.com`, `127.0.0.1:8443`, `https://host/` or `http://127.0.0.1:4000`. */
export function parseSiteAddress(spec: string, key = '--site'): SiteAddress {
  const text = spec.trim();
  if (text === '') throw new ConfigError(`${key}: the site address is empty; give the appliance host name, e.g. support.example.com`, { code: 'usage' });
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`${key} ${JSON.stringify(spec)}: not a host name or URL; give the appliance host name, e.g. support.example.com`, { code: 'usage' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${key} ${JSON.stringify(spec)}: only https:// (or http:// for the local simulator) is supported`, { code: 'usage' });
  }
  if (url.username || url.password) {
    throw new ConfigError(`${key}: do not put credentials in the site address; use --client-id/--client-secret or the SRA_CLIENT_ID/SRA_CLIENT_SECRET environment variables`, { code: 'usage' });
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConfigError(`${key} ${JSON.stringify(spec)}: give the site's address only, without a path or query (the API paths are added for you)`, { code: 'usage' });
  }
  return { baseUrl: new URL(`${url.protocol}//${url.host}/`), host: url.host, secure: url.protocol === 'https:' };
}
