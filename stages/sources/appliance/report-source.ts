/**
 * Session reports from an appliance as ReportItems: RS `SupportSession` / PRA `AccessSession` by
 * time window or by lsid(s), and the `…SessionListing` reports. The response body streams straight
 * into the parser. An `<error>` document that means "no data" (its text is localized) ends the report
 * empty; any other `<error>` is thrown as a ReportError carrying the appliance's message.
 *
 * Time windows use `start_time` + `duration` (seconds): the report then holds every session that
 * *began* in the window, including sessions still in progress, which is what incremental pulls need
 * (an `end_time` window would hide a session until it closes). Both bounds are inclusive, so
 * adjacent windows share their boundary second; the destination's replace-by-lsid makes that harmless.
 */
import type { Product, ReportItem, SessionSummaryRecord } from '../../../src/records.ts';
import { reportErrorKind } from '../../../src/report-error-kind.ts';
import type { ApiCall, ApplianceClient } from './appliance-client.ts';
import { applianceReportError } from './appliance-error.ts';

/** A report parser: bytes in, ReportItems out (stages/parsers/session-report-parser.ts). */
export type ReportParser = (bytes: AsyncIterable<Uint8Array | string>, options: { readonly source: string; readonly host?: string; readonly product?: Product }) => AsyncGenerator<ReportItem>;

/** Sessions that began in [start, start + seconds], both in UNIX seconds of the appliance's clock. */
export interface TimeWindow {
  readonly start: number;
  /** Length in seconds, at least 1 (`duration=0` would mean "until now" to the appliance). */
  readonly seconds: number;
}

export type SessionQuery =
  | { readonly product: Product; readonly window: TimeWindow }
  | { readonly product: Product; readonly lsids: readonly string[] };

const SESSION_REPORT: Readonly<Record<Product, string>> = { rs: 'SupportSession', pra: 'AccessSession' };
const LISTING_REPORT: Readonly<Record<Product, string>> = { rs: 'SupportSessionListing', pra: 'AccessSessionListing' };

function windowFields(window: TimeWindow): Record<string, string> {
  if (!Number.isInteger(window.start) || !Number.isInteger(window.seconds) || window.seconds < 1) {
    throw new RangeError(`invalid report window start=${window.start} seconds=${window.seconds}: both must be integers and seconds >= 1`);
  }
  return { start_time: String(window.start), duration: String(window.seconds) };
}

/** The reporting call for a session report. Many lsids go in one `lsids=a,b,c` call. */
export function sessionReportCall(query: SessionQuery): ApiCall {
  const report = SESSION_REPORT[query.product];
  const fields: Record<string, string> = { generate_report: report };
  if ('window' in query) {
    Object.assign(fields, windowFields(query.window));
  } else {
    if (query.lsids.length === 0) throw new RangeError('a session report by lsid needs at least one lsid');
    if (query.lsids.length === 1) fields.lsid = query.lsids[0] as string;
    else fields.lsids = query.lsids.join(',');
  }
  return { path: 'api/reporting', method: 'POST', fields, label: describe(fields) };
}

/** The reporting call for a listing report (lsids and recording flags, no times). */
export function listingCall(product: Product, window: TimeWindow): ApiCall {
  const fields = { generate_report: LISTING_REPORT[product], ...windowFields(window) };
  return { path: 'api/reporting', method: 'POST', fields, label: describe(fields) };
}

function describe(fields: Readonly<Record<string, string>>): string {
  const { generate_report: report, lsids, ...rest } = fields;
  const parts = Object.entries(rest).map(([key, value]) => `${key}=${value}`);
  if (lsids !== undefined) parts.push(`lsids=${lsids.split(',').length} sessions`);
  return [report, ...parts].join(' ');
}

export interface ReadOptions {
  readonly parse: ReportParser;
  /** The sessions' `host` key. Default the client's site host (`hostname[:port]`). */
  readonly host?: string;
  /** The product the report call asked for (its sessions' `product`, which the XML may not say). */
  readonly product?: Product;
  readonly signal?: AbortSignal;
}

/**
 * Streams the items of one report call. `error` items meaning "no data" are dropped (the result is
 * simply empty); any other appliance error is thrown after the items before it.
 */
export async function* readReport(client: ApplianceClient, call: ApiCall, options: ReadOptions): AsyncGenerator<ReportItem> {
  const response = await client.open(call, options.signal);
  const source = `${client.site.baseUrl.href}${call.path} (${call.label})`;
  try {
    for await (const item of options.parse(response.body, { source, host: options.host ?? client.site.host, ...(options.product === undefined ? {} : { product: options.product }) })) {
      if (item.type === 'error') {
        if (reportErrorKind(item.error.message, item.error.code) === 'no_data') continue;
        throw applianceReportError({ message: item.error.message, code: item.error.code }, client.site.host, call.label);
      }
      yield item;
    }
  } finally {
    response.body.destroy();
  }
}

/** Sessions (and rejected-session items) of a session report by window or lsids. */
export function readSessionReport(client: ApplianceClient, query: SessionQuery, options: ReadOptions): AsyncGenerator<ReportItem> {
  return readReport(client, sessionReportCall(query), { ...options, product: query.product });
}

/** The listing of sessions that began in a window: lsid, recording flag, external key. */
export async function* readListing(client: ApplianceClient, product: Product, window: TimeWindow, options: ReadOptions): AsyncGenerator<SessionSummaryRecord> {
  for await (const item of readReport(client, listingCall(product, window), options)) {
    if (item.type === 'summary') yield item.summary;
  }
}
