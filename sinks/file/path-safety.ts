/**
 * Turning values taken from reports (lsids, external keys, session types, host names) into file and
 * folder names that are valid on Windows and Linux and can never leave the destination directory.
 *
 * Two layers, both always applied:
 * 1. {@link sanitizeValue}: a replacement value can never carry a path separator, a drive letter
 *    colon, a character Windows forbids or a control character; each becomes `_`.
 * 2. {@link sanitizeComponent}: every folder or file name of the rendered path is made safe on its
 *    own: no `.`/`..`/hidden names, no reserved device names (CON, NUL, COM1…), no trailing dots or
 *    spaces (Windows drops them, merging distinct names), at most {@link MAX_COMPONENT_BYTES} bytes.
 * {@link containedJoin} then joins the components under the root and checks, as a last line, that
 * the result is still inside it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { EtlError } from '../../src/errors.ts';

/** Which path rules a destination follows. `win32` for drive-letter and UNC destinations. */
export type PathFlavor = 'posix' | 'win32';

/**
 * Longest file or folder name written, in UTF-8 bytes. File systems allow 255; the rest is left for
 * AppendNumber's `.N` and for tools that add their own suffix when copying.
 */
export const MAX_COMPONENT_BYTES = 200;

// < > : " / \ | ? * and the C0 controls are invalid in Windows names; DEL is invalid on some shares.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be caught
const INVALID_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f]/g;
// Device names Windows reserves in any folder, with or without an extension (CON.xml is CON).
const RESERVED_NAMES = /^(con|prn|aux|nul|conin\$|conout\$|clock\$|com[0-9¹²³]|lpt[0-9¹²³])$/i;

/** A replacement value made safe to place inside a single file or folder name. */
export function sanitizeValue(value: string): string {
  return value.replace(INVALID_CHARS, '_');
}

/** Whether `name` is, or starts with, a Windows reserved device name (`CON`, `nul.txt`, `COM1 .flv`). */
export function isReservedWindowsName(name: string): boolean {
  const stem = name.split('.')[0]?.trimEnd() ?? '';
  return RESERVED_NAMES.test(stem);
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * One file or folder name made safe: invalid characters become `_`; a leading dot becomes `_` (so
 * `.`, `..` and names that would hide or shadow the `.sra-etl` state folder cannot be produced);
 * trailing dots and spaces become `_`; reserved device names get a `_` prefix; an empty name becomes
 * `_`; a name over {@link MAX_COMPONENT_BYTES} is shortened, keeping its extension and adding `~` and
 * a hash of the full name so two long keys that share a prefix still get different names.
 */
export function sanitizeComponent(name: string): string {
  let safe = sanitizeValue(name);
  safe = safe.replace(/^\./, '_');
  safe = safe.replace(/[. ]+$/, (tail) => '_'.repeat(tail.length));
  if (safe === '') safe = '_';
  if (isReservedWindowsName(safe)) safe = `_${safe}`;
  if (Buffer.byteLength(safe) > MAX_COMPONENT_BYTES) {
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
    const dot = safe.lastIndexOf('.');
    const extension = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : '';
    const stem = extension === '' ? safe : safe.slice(0, dot);
    const room = MAX_COMPONENT_BYTES - Buffer.byteLength(extension) - hash.length - 1;
    safe = `${truncateUtf8(stem, room).replace(/[. ]+$/, '')}~${hash}${extension}`;
  }
  return safe;
}

/** `\\server\share…` or `//server/share…`. */
export function isUncPath(dir: string): boolean {
  return /^(\\\\|\/\/)[^\\/]+[\\/][^\\/]+/.test(dir);
}

/** `C:\…` or `C:/…`. */
export function isDriveLetterPath(dir: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(dir);
}

/** The path rules a destination directory follows: Windows rules on Windows and for UNC or drive-letter paths. */
export function destinationFlavor(dir: string, platform: NodeJS.Platform = process.platform): PathFlavor {
  if (platform === 'win32') return 'win32';
  return isUncPath(dir) || (isDriveLetterPath(dir) && !dir.startsWith('/')) ? 'win32' : 'posix';
}

export function pathModule(flavor: PathFlavor): path.PlatformPath {
  return flavor === 'win32' ? path.win32 : path.posix;
}

/**
 * Joins already-sanitised components under `root` and proves the result is inside it. The check
 * cannot fail for components from {@link sanitizeComponent}; it is here so that a future bug in the
 * sanitiser is an error, never a write outside the destination.
 */
export function containedJoin(root: string, components: readonly string[], flavor: PathFlavor): string {
  const p = pathModule(flavor);
  const base = p.resolve(root);
  const joined = p.resolve(base, ...components);
  const relative = p.relative(base, joined);
  if (relative === '' || relative.startsWith('..') || p.isAbsolute(relative) || /^[A-Za-z]:/.test(relative)) {
    throw new EtlError(`refusing to write ${JSON.stringify(joined)}: it is not inside the destination ${JSON.stringify(base)}`, 'internal', 'sending');
  }
  return joined;
}
