/**
 * The appliance's `<error>` documents, read without an XML library: they are tiny, and binary
 * downloads must be told apart from them by their first bytes. Turns one into a ReportError whose
 * code says what it means (no data, expired recording, refused login, missing permission).
 */
import { ReportError, type EtlErrorCode } from '../../../src/errors.ts';
import { reportErrorKind, type ReportErrorKind } from '../../../src/report-error-kind.ts';

export interface ApplianceErrorText {
  readonly message: string;
  readonly code: string | null;
}

const ERROR_ELEMENT = /<error\b([^>]*)>([\s\S]*?)<\/error\s*>/i;
const CODE_ATTRIBUTE = /\bcode\s*=\s*(?:"([^"]*)"|'([^']*)')/i;

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** The `<error>` in a small document (root or inside a list root), or `undefined` when there is none. */
export function findApplianceError(xml: string): ApplianceErrorText | undefined {
  const match = ERROR_ELEMENT.exec(xml);
  if (match === null) return undefined;
  const attributes = match[1] ?? '';
  const code = CODE_ATTRIBUTE.exec(attributes);
  return { message: decodeEntities((match[2] ?? '').replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')).trim(), code: code === null ? null : (code[1] ?? code[2] ?? null) };
}

const CODE_BY_KIND: Readonly<Record<ReportErrorKind, EtlErrorCode>> = {
  no_data: 'not_found',
  auth: 'auth_failed',
  forbidden: 'forbidden',
  expired: 'recording_expired',
  other: 'report_error',
};

const ADVICE: Readonly<Record<ReportErrorKind, string>> = {
  no_data: 'the appliance has nothing matching this request',
  auth: 'check the credentials of the API account',
  forbidden: 'give the API account the permission for this report on the appliance',
  expired: 'the recording is past the site\'s retention and cannot be downloaded any more',
  other: 'see the appliance\'s message',
};

/** A ReportError for an appliance error document received for `call` from `site`. */
export function applianceReportError(error: ApplianceErrorText, site: string, call: string): ReportError {
  const kind = reportErrorKind(error.message, error.code);
  return new ReportError(
    `${site}: ${call}: the appliance answered with an error: "${error.message}"${error.code === null ? '' : ` (code ${error.code})`}; ${ADVICE[kind]}`,
    error.message,
    error.code,
    { code: CODE_BY_KIND[kind] },
  );
}
