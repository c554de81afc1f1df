/**
 * Turns what can go wrong on the wire into SourceErrors that say, in plain words, what happened and
 * what to do, and decides which failures are worth another try. Messages name the site and the call
 * (`AccessSession start_time=… duration=…`), never a token, secret or password.
 */
import { SourceError, type EtlErrorCode } from '../../../src/errors.ts';

/** Network error codes after which the same call may well succeed. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'ERR_HTTP_CONTENT_LENGTH_MISMATCH']);

const TLS_HINTS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the appliance presents a self-signed certificate; pass its certificate or CA with --ca <file.pem> (or --insecure to skip verification, only for a test appliance)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in a CA this machine does not trust; pass that CA with --ca <file.pem>',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate was signed by a CA this machine does not know; pass the CA (and intermediates) with --ca <file.pem>',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate was signed by a CA this machine does not know; pass the CA (and intermediates) with --ca <file.pem>',
  CERT_HAS_EXPIRED: 'the appliance certificate has expired; renew it on the appliance (/appliance > Security > Certificates)',
  CERT_NOT_YET_VALID: 'the appliance certificate is not valid yet; check the clocks of this machine and the appliance',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host; use the host name the certificate was issued for',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server did not answer with TLS: it probably speaks plain HTTP (the sra-etl simulator does unless started with --tls; address it as http://host:port)',
  EPROTO: 'the TLS handshake failed: the server may speak plain HTTP or an old TLS version',
};

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ERR_GOT_REQUEST_ERROR') return code;
    current = current.cause;
  }
  return undefined;
}

/** Whether a failure before or during a response is worth retrying. */
export function isTransientNetworkError(error: unknown): boolean {
  if (error instanceof SourceError) return error.code === 'network' || error.code === 'timeout';
  const code = errorCode(error);
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  return error instanceof Error && (error.name === 'TimeoutError' || /socket hang up|aborted|premature close/i.test(error.message));
}

/** Whether an HTTP status is worth retrying: throttling and server-side failures. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

/** A SourceError for a failure that happened before or while receiving a response. */
export function networkFailure(error: unknown, site: string, call: string): SourceError {
  if (error instanceof SourceError) return error;
  const code = errorCode(error);
  const raw = error instanceof Error ? error.message : String(error);
  let what: string;
  let etlCode: EtlErrorCode = 'network';
  if (code !== undefined && TLS_HINTS[code] !== undefined) {
    what = `TLS check failed (${code}): ${TLS_HINTS[code]}`;
    etlCode = 'tls';
  } else if (code === 'ECONNREFUSED') {
    what = 'connection refused: nothing is listening at that address and port; check the site address and that the appliance is up';
  } else if (code === 'ENOTFOUND') {
    what = 'the host name does not resolve (DNS): check its spelling and this machine\'s DNS settings';
  } else if (code === 'EAI_AGAIN') {
    what = 'the DNS lookup timed out: check this machine\'s DNS settings';
  } else if (error instanceof Error && error.name === 'TimeoutError') {
    const event = (error as { event?: string }).event ?? 'request';
    what = `no answer in time (${event} timeout): a firewall may drop the traffic, or the appliance is overloaded; raise the timeout if reports are slow to start`;
    etlCode = 'timeout';
  } else if (code === 'ERR_HTTP_CONTENT_LENGTH_MISMATCH') {
    what = `the body is incomplete: ${raw.replace(/^Content-Length mismatch: /, '')}; the connection was cut (run again to fetch it whole)`;
  } else if (code === 'ECONNRESET' || /socket hang up|aborted/i.test(raw)) {
    what = 'the connection was closed by the appliance or a proxy in the middle of the call';
  } else {
    what = `${raw}${code === undefined ? '' : ` (${code})`}`;
  }
  return new SourceError(`${site}: ${call}: ${what}`, etlCode, { cause: error });
}

/** A SourceError for an HTTP status the client will not (or no longer) retry. `body` is a short excerpt. */
export function statusFailure(status: number, body: string, site: string, call: string, legacy: boolean): SourceError {
  const excerpt = body.replace(/\s+/g, ' ').trim().slice(0, 300);
  const said = excerpt === '' ? '' : ` The appliance said: ${excerpt}`;
  if (status === 401) {
    return new SourceError(
      `${site}: ${call}: the appliance refused the credentials (HTTP 401). ${legacy
        ? 'Check the username and password.'
        : 'Check the API account\'s OAuth client ID and secret (generating a new secret invalidates the old one and every token issued with it).'}${said}`,
      'auth_failed',
    );
  }
  if (status === 403) {
    return new SourceError(`${site}: ${call}: the account may not use this API (HTTP 403): on the appliance, give the API account access to the reporting API (and to the backup API for site backups).${said}`, 'forbidden');
  }
  if (status === 404) {
    return new SourceError(`${site}: ${call}: no such API path on this server (HTTP 404): check that the address is a BeyondTrust appliance${legacy ? '' : '; appliances before 16.1 need username/password (--legacy-auth) instead of OAuth'}.${said}`, 'not_found');
  }
  if (status === 429) {
    return new SourceError(`${site}: ${call}: the appliance kept throttling the calls (HTTP 429) after every retry: lower --rate-limit or run less often.${said}`, 'rate_limited');
  }
  if (status >= 300 && status < 400) {
    return new SourceError(`${site}: ${call}: the server redirected the call (HTTP ${status}); use the address it redirects to as the site address.${said}`, 'http_status');
  }
  return new SourceError(`${site}: ${call}: the appliance answered HTTP ${status}.${said}`, 'http_status');
}
