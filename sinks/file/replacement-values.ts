/**
 * The replacement values of one file, taken from the session it belongs to (or, for a backup, the
 * site and the time). Values go through path-safety.ts when the format is rendered.
 */
import type { SessionRecord } from '../../src/records.ts';
import { dateParts, type ReplacementValues } from './file-name-format.ts';

function downloadValues(now: Date): ReplacementValues {
  const parts = dateParts(now.toISOString());
  return { DOWNLOAD_DATE: parts?.date ?? '', DOWNLOAD_TIME: parts?.time ?? '' };
}

/** Values for a session's XML file or one of its recordings (`instance` for shell and Show My Screen). */
export function sessionValues(session: SessionRecord, options: { readonly extension: string; readonly instance?: number | null; readonly now: Date }): ReplacementValues {
  const start = dateParts(session.startTime);
  const end = dateParts(session.endTime);
  return {
    LSEQ: session.lseq,
    LSID: session.key.lsid,
    EXTERNAL_KEY: session.externalKey,
    SESSION_TYPE: session.sessionType,
    SUPPORT_SITE_HOST: session.key.host,
    INSTANCE: options.instance ?? null,
    EXTENSION: options.extension,
    START_DATE: start?.date ?? null,
    START_TIME: start?.time ?? null,
    START_YEAR: start?.year ?? null,
    START_MONTH: start?.month ?? null,
    START_DAY: start?.day ?? null,
    END_DATE: end?.date ?? null,
    ...downloadValues(options.now),
  };
}

/** Values for a site backup. */
export function backupValues(host: string, options: { readonly extension: string; readonly now: Date }): ReplacementValues {
  return { SUPPORT_SITE_HOST: host, EXTENSION: options.extension, ...downloadValues(options.now) };
}
