/**
 * The guide's File Name Format: text with special replacement values between percent signs
 * (`%LSEQ%-%LSID%.xml`). Only upper-case letters and underscores are valid between the percent
 * signs and names are case-sensitive, so `%lseq%` is a configuration error (with a hint), as is
 * any name this data type does not know. `/` or `\` in the format's own text makes sub-folders;
 * replacement values can never make one (see path-safety.ts).
 */
import { ConfigError } from '../../src/errors.ts';
import { isDriveLetterPath, isUncPath, sanitizeComponent, sanitizeValue } from './path-safety.ts';

/** The guide's replacement values. */
export const GUIDE_VALUES = ['LSEQ', 'LSID', 'EXTERNAL_KEY', 'SESSION_TYPE', 'SUPPORT_SITE_HOST', 'INSTANCE', 'EXTENSION'] as const;

/**
 * Values sra-etl adds, all UTC: the session's start (`%START_DATE%` = `2024-12-03`, `%START_TIME%` =
 * `152605`, `%START_YEAR%`, `%START_MONTH%`, `%START_DAY%`), its end (`%END_DATE%`) and the moment
 * of the download (`%DOWNLOAD_DATE%`, `%DOWNLOAD_TIME%`), handy for sub-folders and backups.
 */
export const DATE_VALUES = ['START_DATE', 'START_TIME', 'START_YEAR', 'START_MONTH', 'START_DAY', 'END_DATE', 'DOWNLOAD_DATE', 'DOWNLOAD_TIME'] as const;

export type ReplacementName = (typeof GUIDE_VALUES)[number] | (typeof DATE_VALUES)[number];

/** Values for one file; a missing or null value renders as the empty string. */
export type ReplacementValues = Partial<Record<ReplacementName, string | number | null>>;

type Part = { readonly literal: string } | { readonly name: ReplacementName };

/** A compiled format: render it with a file's values to get its path components under the data type's folder. */
export interface FileNameFormat {
  readonly source: string;
  /** The replacement names the format uses. */
  readonly uses: ReadonlySet<ReplacementName>;
  /** Safe path components (sub-folders, then the file name); never empty. */
  render(values: ReplacementValues): string[];
}

const ALL_NAMES: ReadonlySet<string> = new Set<string>([...GUIDE_VALUES, ...DATE_VALUES]);
// A candidate replacement: anything word-like between two percent signs. Checked against the
// guide's rule below, so `%lsid%` and `%LSID2%` are reported rather than written literally.
const CANDIDATE = /%([A-Za-z0-9_]+)%/g;
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be caught
const INVALID_LITERAL = /[<>:"|?*\u0000-\u001f\u007f]/;

/**
 * Parses a format. `allowed` lists the names valid for this data type (`%INSTANCE%` only for
 * command-shell and Show My Screen recordings, for instance); `configKey` names the setting in
 * errors. Throws ConfigError for an unknown or disallowed name, bad case, an absolute path, `..`,
 * characters Windows forbids, or a format that ends in a folder.
 */
export function compileFileNameFormat(format: string, options: { readonly configKey: string; readonly allowed: readonly ReplacementName[] }): FileNameFormat {
  const { configKey } = options;
  const allowed = new Set<string>(options.allowed);
  const fail = (what: string): never => {
    throw new ConfigError(`${configKey} ${JSON.stringify(format)}: ${what}`);
  };
  if (format.trim() === '') fail('the file name format is empty');
  if (format.startsWith('/') || format.startsWith('\\') || isDriveLetterPath(format) || isUncPath(format) || /^[A-Za-z]:/.test(format)) {
    fail('a file name format is relative to its destination directory; remove the leading drive, slash or share');
  }

  const parts: Part[] = [];
  const uses = new Set<ReplacementName>();
  let last = 0;
  for (const match of format.matchAll(CANDIDATE)) {
    const name = match[1] as string;
    if (!/^[A-Z_]+$/.test(name)) {
      const upper = name.toUpperCase();
      const hint = ALL_NAMES.has(upper) ? `; replacement values are case-sensitive: did you mean %${upper}%?` : '; only UPPER CASE letters and underscores are valid between the percent signs';
      fail(`%${name}% is not a replacement value${hint}`);
    }
    if (!ALL_NAMES.has(name)) fail(`unknown replacement value %${name}%; known values: ${[...allowed].map((n) => `%${n}%`).join(' ')}`);
    if (!allowed.has(name)) fail(`%${name}% cannot be used here; values for this data type: ${[...allowed].map((n) => `%${n}%`).join(' ')}`);
    if (match.index > last) parts.push({ literal: format.slice(last, match.index) });
    parts.push({ name: name as ReplacementName });
    uses.add(name as ReplacementName);
    last = match.index + match[0].length;
  }
  if (last < format.length) parts.push({ literal: format.slice(last) });

  for (const part of parts) {
    if ('literal' in part && INVALID_LITERAL.test(part.literal)) fail(`the text ${JSON.stringify(part.literal)} has a character Windows forbids in file names (< > : " | ? * or a control character)`);
  }
  const literalComponents = parts.map((part) => ('literal' in part ? part.literal : 'x')).join('').split(/[\\/]/);
  if (literalComponents.some((component) => component === '..' || component === '.')) fail('"." and ".." folders are not allowed; sub-folders must stay inside the destination directory');
  if (/[\\/]{2}/.test(format)) fail('empty folder name (two separators in a row)');
  if (/[\\/]$/.test(format)) fail('the format ends with a folder separator; it must end with a file name');

  return {
    source: format,
    uses,
    render(values: ReplacementValues): string[] {
      let rendered = '';
      for (const part of parts) {
        if ('literal' in part) {
          rendered += part.literal.replace(/\\/g, '/');
        } else {
          const value = values[part.name];
          rendered += value === null || value === undefined ? '' : sanitizeValue(String(value));
        }
      }
      return rendered.split('/').map(sanitizeComponent);
    },
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `%START_DATE%`-style values of an ISO instant: `{ date: '2024-12-03', time: '152605', year, month, day }`. */
export function dateParts(iso: string | null | undefined): { date: string; time: string; year: string; month: string; day: string } | null {
  if (iso === null || iso === undefined) return null;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms);
  const year = pad(d.getUTCFullYear(), 4);
  const month = pad(d.getUTCMonth() + 1);
  const day = pad(d.getUTCDate());
  return { date: `${year}-${month}-${day}`, time: `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`, year, month, day };
}
