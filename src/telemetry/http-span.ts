/**
 * The HTTP CLIENT span of one logical appliance call, with the OpenTelemetry HTTP semantic
 * conventions. One span covers the call from the first send to the response headers of the last
 * attempt; attempts that are retried are `etl.retry` events on it (and `http.request.resend_count`
 * says how many there were), waits for the rate limit are `etl.rate_limit.wait` events. The URL
 * is recorded without its query string: legacy logins put the password there.
 */
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { ATTR, SEMCONV } from './attributes.ts';
import { withSpan } from './tracing.ts';

export interface HttpCallDescription {
  readonly method: string;
  /** The full URL; only scheme, host, port and path are recorded. */
  readonly url: URL;
  /** The report asked for (`generate_report`), when it is a reporting call. */
  readonly report?: string;
}

/** Request attributes: `http.request.method`, `server.address`, `server.port`, `url.full`, `url.template`. */
export function httpRequestAttributes(call: HttpCallDescription): Attributes {
  const { url } = call;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const attributes: Attributes = {
    [SEMCONV.httpRequestMethod]: call.method,
    [SEMCONV.serverAddress]: url.hostname,
    [SEMCONV.serverPort]: port,
    [SEMCONV.urlFull]: `${url.origin}${url.pathname}`,
    [SEMCONV.urlScheme]: url.protocol.replace(/:$/, ''),
    [SEMCONV.urlTemplate]: url.pathname,
  };
  if (call.report !== undefined) attributes[ATTR.report] = call.report;
  return attributes;
}

/** Runs one logical call in its CLIENT span named `POST /api/reporting`. */
export function withHttpSpan<T>(call: HttpCallDescription, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan(`${call.method} ${call.url.pathname}`, httpRequestAttributes(call), fn, { kind: SpanKind.CLIENT });
}

/** Notes a response on the call's span: its status and how many times the request was sent again. */
export function noteHttpResponse(span: Span, status: number, resendCount: number): void {
  if (!span.isRecording()) return;
  span.setAttribute(SEMCONV.httpResponseStatusCode, status);
  if (resendCount > 0) span.setAttribute(SEMCONV.httpRequestResendCount, resendCount);
}
