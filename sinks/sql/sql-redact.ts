/**
 * Connection strings with their passwords masked, for logs and messages:
 * `postgres://loader:***@db/sra`, `Server=db;User Id=loader;Password=***`.
 */

/** `scheme://user:secret@host/…` -> `scheme://user:***@host/…`; anything unparseable keeps only its scheme. */
export function redactUrl(spec: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(spec);
  if (match === null) return spec.replace(/:.*/s, ':***');
  const [, scheme, rest] = match as unknown as [string, string, string];
  const query = rest.search(/[?#]/);
  const beforeQuery = query < 0 ? rest : rest.slice(0, query);
  const at = beforeQuery.lastIndexOf('@');
  if (at < 0) return spec;
  const userinfo = beforeQuery.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return spec;
  return `${scheme}${userinfo.slice(0, colon)}:***${rest.slice(at)}`;
}

const ADO_SERVER_KEY = /(?:^|;)\s*(?:server|data source|address|addr|network address)\s*=/i;
const ADO_PASSWORD = /((?:^|;)\s*(?:password|pwd)\s*=\s*)("(?:[^"]|"")*"|'(?:[^']|'')*'|\{(?:[^}]|\}\})*\}|[^;]*)/gi;

/** `Server=…;Database=…;…` as users copy it from the old Integration Client. */
export function isAdoConnectionString(spec: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(spec.trim()) && ADO_SERVER_KEY.test(spec) && spec.includes('=');
}

export function redactAdo(spec: string): string {
  return spec.replace(ADO_PASSWORD, '$1***');
}
