/**
 * The simulator's `/api/reporting` and `/api/backup`: session reports and listings by time window or
 * lsid, recordings and backups, with the appliance's quirks: errors as HTTP 200 `<error >` documents,
 * a localized "no data" error for empty results, namespaces, ports in IP addresses, `Unknown` values,
 * in-progress sessions without end time.
 */
import { Prng } from '../../fixtures/generator/prng.ts';
import { errorXml, listingXml, reportFooter, reportHeader, sessionXml } from '../../fixtures/generator/report-xml.ts';
import type { Product } from '../records.ts';
import type { Dataset } from './dataset.ts';
import { BACKUP_MAGIC, FLV_MAGIC, syntheticBinary, type SyntheticBinary } from './recording-bytes.ts';

export type Locale = 'en' | 'fr';

/** What to send: an XML document (possibly streamed) or a binary with a known length. */
export type ApiAnswer =
  | { readonly kind: 'xml'; readonly chunks: Iterable<string> }
  | { readonly kind: 'binary'; readonly binary: SyntheticBinary; readonly contentType: string; readonly fileName: string };

export interface ReportingOptions {
  readonly dataset: Dataset;
  readonly product: Product;
  readonly locale: Locale;
  /** Reports the API account may not read (answered with a permission error). */
  readonly deniedReports: ReadonlySet<string>;
  /** Recording sizes in bytes, chosen per recording between these (inclusive). */
  readonly recordingBytes: { readonly min: number; readonly max: number };
  readonly backupBytes: number;
}

const MARK = '<!-- sra-etl simulator: synthetic data, not a BeyondTrust appliance -->\n';

/** The appliance's "no data" text (localized, as real appliances answer in the site's language). */
export function noDataMessage(product: Product, locale: Locale): string {
  if (locale === 'fr') return product === 'rs'
    ? 'Aucune information de rapport d’assistance correspondant à vos critères n’est disponible.'
    : 'Aucune information de rapport d’accès correspondant à vos critères n’est disponible.';
  return `No ${product === 'rs' ? 'Support' : 'Access'} report information matching your chosen criteria is available.`;
}

export const EXPIRED_RECORDING_MESSAGE = 'This recording has expired and can no longer be viewed or downloaded.';

function marked(xml: string): string {
  return xml.replace('?>\n', `?>\n${MARK}`);
}

function xml(document: string): ApiAnswer {
  return { kind: 'xml', chunks: [marked(document)] };
}

function error(message: string, product: Product, root?: string): ApiAnswer {
  return xml(errorXml(message, { product, ...(root === undefined ? {} : { root }) }));
}

const INTEGER = /^\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

type Selection = { readonly indexes: readonly number[] } | { readonly error: string };

/** Which sessions a report's parameters select, at appliance time `now` (UNIX seconds). */
function select(params: URLSearchParams, dataset: Dataset, now: number, allowLsid: boolean): Selection {
  const lsid = params.get('lsid');
  const lsids = params.get('lsids');
  if (allowLsid && (lsid !== null || lsids !== null)) {
    const wanted = lsid !== null ? [lsid] : (lsids ?? '').split(',').map((text) => text.trim()).filter((text) => text !== '');
    const indexes: number[] = [];
    for (const id of wanted) {
      const index = dataset.indexOf(id);
      if (index !== undefined && dataset.plan(index).start <= now) indexes.push(index);
    }
    return { indexes };
  }
  const durationText = params.get('duration') ?? '0';
  if (!INTEGER.test(durationText)) return { error: `Invalid value for parameter duration: ${durationText}` };
  const duration = Number(durationText);
  let from: number | undefined;
  let seconds = duration;
  let byEnd = false;
  for (const name of ['start_time', 'end_time', 'start_date', 'end_date'] as const) {
    const value = params.get(name);
    if (value === null) continue;
    if (from !== undefined) return { error: 'Only one of start_time, end_time, start_date and end_date may be given.' };
    byEnd = name.startsWith('end');
    if (name.endsWith('_time')) {
      if (!INTEGER.test(value)) return { error: `Invalid value for parameter ${name}: ${value}` };
      from = Number(value);
    } else {
      const match = DATE.exec(value);
      if (match === null) return { error: `Invalid value for parameter ${name}: ${value}` };
      from = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 1000;
      seconds = duration * 86400;
    }
  }
  if (from === undefined) return { error: 'Missing required parameter: one of start_time, end_time, start_date or end_date (or lsid).' };
  const to = seconds === 0 ? now : from + seconds;
  return { indexes: [...(byEnd ? dataset.endedBetween(from, to, now) : dataset.startedBetween(from, to, now))] };
}

function* sessionReport(indexes: readonly number[], dataset: Dataset, product: Product, now: number): Generator<string> {
  yield marked(reportHeader(product));
  for (const index of indexes) yield sessionXml(dataset.render(index, now), { product });
  yield reportFooter();
}

const SESSION_REPORTS: Readonly<Record<Product, string>> = { rs: 'SupportSession', pra: 'AccessSession' };
const LISTING_REPORTS: Readonly<Record<Product, string>> = { rs: 'SupportSessionListing', pra: 'AccessSessionListing' };
const RECORDING_REPORTS: Readonly<Record<Product, readonly string[]>> = {
  rs: ['SupportSessionRecording', 'CommandShellRecording', 'ShowMyScreenRecording'],
  pra: ['AccessSessionRecording', 'CommandShellRecording'],
};

/** Answers one `/api/reporting` call at appliance time `now` (UNIX seconds). */
export function answerReport(params: URLSearchParams, options: ReportingOptions, now: number): ApiAnswer {
  const { dataset, product } = options;
  const report = params.get('generate_report');
  if (report === null || report === '') return error('Missing required parameter: generate_report', product);
  if (options.deniedReports.has(report)) return error(`You do not have permission to access the ${report} report.`, product);

  if (report === SESSION_REPORTS[product]) {
    const selection = select(params, dataset, now, true);
    if ('error' in selection) return error(selection.error, product);
    if (selection.indexes.length === 0) return error(noDataMessage(product, options.locale), product);
    return { kind: 'xml', chunks: sessionReport(selection.indexes, dataset, product, now) };
  }
  if (report === LISTING_REPORTS[product]) {
    const selection = select(params, dataset, now, false);
    if ('error' in selection) return error(selection.error, product, 'session_summary_list');
    if (selection.indexes.length === 0) return error(noDataMessage(product, options.locale), product, 'session_summary_list');
    const entries = selection.indexes.map((index) => ({
      lsid: dataset.lsid(index),
      hasRecording: dataset.hasRecording(index, now),
      externalKey: dataset.render(index, now).session.externalKey,
    }));
    return xml(listingXml(entries, product));
  }
  if (RECORDING_REPORTS[product].includes(report)) return answerRecording(report, params, options, now);
  return error(`Invalid value for parameter generate_report: ${report}`, product);
}

function answerRecording(report: string, params: URLSearchParams, options: ReportingOptions, now: number): ApiAnswer {
  const { dataset, product } = options;
  const lsid = params.get('lsid') ?? '';
  const index = dataset.indexOf(lsid);
  const noData = () => error(noDataMessage(product, options.locale), product);
  if (index === undefined || dataset.plan(index).end > now) return noData();
  let instance = 0;
  if (report === 'CommandShellRecording' || report === 'ShowMyScreenRecording') {
    const text = params.get('instance') ?? '';
    if (!INTEGER.test(text)) return error('Missing required parameter: instance', product);
    instance = Number(text);
    const session = dataset.render(index, now).session;
    const available = report === 'CommandShellRecording' ? session.commandShellRecordings : session.showMyScreenRecordings;
    if (instance >= available.length) return noData();
  } else if (!dataset.hasRecording(index, now)) {
    return noData();
  }
  if (dataset.recordingExpired(index)) return error(EXPIRED_RECORDING_MESSAGE, product);
  return { kind: 'binary', binary: recordingBinary(options, lsid, report, instance), contentType: 'video/x-flv', fileName: `${lsid}-${report}-${instance}.flv` };
}

/** The bytes the simulator serves for a recording (tests compute the expected checksum with it). */
export function recordingBinary(options: Pick<ReportingOptions, 'dataset' | 'recordingBytes'>, lsid: string, report: string, instance: number): SyntheticBinary {
  const name = `${lsid}/${report}/${instance}`;
  const size = new Prng(options.dataset.options.seed, `recording-size:${name}`).int(options.recordingBytes.min, options.recordingBytes.max);
  return syntheticBinary(options.dataset.options.seed, name, size, FLV_MAGIC);
}

/** The bytes the simulator serves for a site backup taken at appliance time `now`. */
export function backupBinary(options: Pick<ReportingOptions, 'dataset' | 'backupBytes'>, password: string | undefined, now: number): SyntheticBinary {
  const day = new Date(now * 1000).toISOString().slice(0, 10);
  return syntheticBinary(options.dataset.options.seed, `backup/${day}/${password === undefined ? 'plain' : 'protected'}`, options.backupBytes, BACKUP_MAGIC);
}

/** Answers `/api/backup`. */
export function answerBackup(options: ReportingOptions, password: string | undefined, now: number, host: string): ApiAnswer {
  const day = new Date(now * 1000).toISOString().slice(0, 10);
  return { kind: 'binary', binary: backupBinary(options, password, now), contentType: 'application/octet-stream', fileName: `${host.replace(/:\d+$/, '')}-${day}.nsb` };
}
