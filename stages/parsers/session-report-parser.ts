/**
 * The streaming session-report parser stage: bytes (or text) of a BeyondTrust RS / PRA report in,
 * {@link ReportItem}s out, in document order, each as soon as its element closes.
 *
 * - `session_list` (SupportSession / AccessSession): one `session` item (a SessionBundle) per
 *   `</session>`. A session without `lsid` becomes a `rejected` item and parsing goes on.
 * - `session_summary_list` (…Listing): one `summary` item per `<session_summary>`.
 * - `<error>` documents, as root or inside a list: `error` items with the appliance's code and text.
 *
 * Memory stays flat: only the session being read (and one input chunk) is held. Namespaces are
 * ignored (BeyondTrust `sra`, old Bomgar, none). A damaged document (malformed, truncated, not XML,
 * DOCTYPE with entities, invalid UTF-8) throws one ParseError `file:line:column: what is wrong`
 * after every complete item before the damage has been yielded.
 *
 * @example
 * for await (const item of parseReport(createReadStream('report.xml'), { source: 'report.xml' })) {
 *   if (item.type === 'session') console.log(item.bundle.session.key.lsid);
 * }
 */
import type { ReportItem } from '../../src/records.ts';
import { ReportStreamParser, type ParseReportOptions } from './report-stream-parser.ts';

export type { ParseReportOptions } from './report-stream-parser.ts';
export { ReportStreamParser } from './report-stream-parser.ts';

export async function* parseReport(bytes: AsyncIterable<Uint8Array | string>, options: ParseReportOptions): AsyncGenerator<ReportItem> {
  const parser = new ReportStreamParser(options);
  for await (const chunk of bytes) {
    let failure: unknown;
    try {
      parser.write(chunk);
    } catch (error) {
      failure = error;
    }
    for (const item of parser.take()) yield item;
    if (failure !== undefined) throw failure;
  }
  let failure: unknown;
  try {
    parser.end();
  } catch (error) {
    failure = error;
  }
  for (const item of parser.take()) yield item;
  if (failure !== undefined) throw failure;
}
