/**
 * Staged rows in COPY's text format: tab-separated, `\N` for NULL, backslash escapes for the four
 * characters that would break a row. Values are written straight into 256 KB Buffers (strings with
 * `buf.write`, integers digit by digit), so encoding makes no string per value or per row and the
 * chunks go to the socket as they are: building a string per chunk instead cost more in garbage
 * collection than the encoding itself.
 * Child rows get their keys on the way out: an explicit id for rows other rows point at, the
 * parent's id in place of the staged (batch_index, parent seq).
 */
import type { StagedTable, StagedValue } from '../staged-batch.ts';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeChar = (c: string): string => ESCAPES[c] as string;
const CHUNK_BYTES = 262_144;
const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;
const N = 78;

/** One value as COPY text (tests and error messages; the encoder writes bytes directly). */
export function copyTextValue(value: StagedValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, escapeChar) : value;
}

/** Appends COPY text to Buffers of about CHUNK_BYTES; `take()` hands out the full ones. */
export class CopyTextWriter {
  #buffer: Buffer;
  #offset = 0;
  #full: Buffer[] = [];
  readonly #chunkBytes: number;

  constructor(chunkBytes = CHUNK_BYTES) {
    this.#chunkBytes = chunkBytes;
    this.#buffer = Buffer.allocUnsafe(chunkBytes);
  }

  /** Room for `bytes` more bytes, starting a new buffer when the current one lacks it. */
  #room(bytes: number): void {
    if (this.#offset + bytes <= this.#buffer.length) return;
    if (this.#offset > 0) this.#full.push(this.#buffer.subarray(0, this.#offset));
    this.#buffer = Buffer.allocUnsafe(Math.max(this.#chunkBytes, bytes));
    this.#offset = 0;
  }

  byte(b: number): void {
    this.#room(1);
    this.#buffer[this.#offset++] = b;
  }

  /** A non-negative integer below 2^53, or any other number through String(). */
  integer(n: number): void {
    if (!(n >= 0 && Number.isSafeInteger(n))) {
      this.text(String(n));
      return;
    }
    this.#room(16);
    const buffer = this.#buffer;
    if (n < 10) {
      buffer[this.#offset++] = 48 + n;
      return;
    }
    let digits = 0;
    for (let m = n; m > 0; m = Math.floor(m / 10)) digits++;
    let at = this.#offset + digits;
    this.#offset = at;
    for (let m = n; m > 0; m = Math.floor(m / 10)) buffer[--at] = 48 + (m % 10);
  }

  /** Text as it must appear (already escaped). */
  text(text: string): void {
    this.#room(text.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.#offset += this.#buffer.write(text, this.#offset, 'utf8');
  }

  value(value: StagedValue): void {
    if (value === null) {
      this.#room(2);
      this.#buffer[this.#offset++] = BACKSLASH;
      this.#buffer[this.#offset++] = N;
    } else if (typeof value === 'number') this.integer(value);
    else this.text(NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, escapeChar) : value);
  }

  /** Whether take() has buffers to hand out. */
  get hasFull(): boolean {
    return this.#full.length > 0;
  }

  /** The buffers filled so far. */
  take(): Buffer[] {
    const full = this.#full;
    this.#full = [];
    return full;
  }

  /** Everything written, including the last partial buffer. */
  end(): Buffer[] {
    if (this.#offset > 0) this.#full.push(this.#buffer.subarray(0, this.#offset));
    this.#offset = 0;
    this.#buffer = Buffer.alloc(0);
    return this.take();
  }
}

/** Chunks of COPY text for `values` (row-major, `width` values per row), all columns as staged. */
export function* copyTextChunks(values: readonly StagedValue[], width: number, chunkBytes = CHUNK_BYTES): Generator<Buffer> {
  const out = new CopyTextWriter(chunkBytes);
  for (let row = 0; row < values.length; row += width) {
    out.value(values[row] as StagedValue);
    for (let c = 1; c < width; c++) {
      out.byte(TAB);
      out.value(values[row + c] as StagedValue);
    }
    out.byte(NEWLINE);
    if (out.hasFull) yield* out.take();
  }
  yield* out.end();
}

/** `code` of the error thrown for a child row whose parent is not in the batch (classified as bad data). */
export const ORPHAN_ROW = 'SRA_ORPHAN_ROW';

/** Packs (batch index, seq) into one number: a session has far fewer than 2^20 rows per table. */
export const rowKey = (batchIndex: number, seq: number): number => batchIndex * 1_048_576 + seq;

export interface ChildKeys {
  /** Session id per batch index. */
  readonly sessionIds: readonly number[];
  /** For a table other rows point at: fresh ids, one per row, in row order. */
  readonly reservedIds?: readonly number[];
  /** Filled with rowKey(batch index, seq) -> id when `reservedIds` is given. */
  readonly assigned?: Map<number, number>;
  /** For a grandchild table: the parent table's `assigned` map. */
  readonly parentIds?: ReadonlyMap<number, number>;
}

/**
 * COPY text for a child table: `[id,] parent_id, seq, data…`. Throws when a grandchild names a
 * parent seq the batch does not have (the parser never produces that; it would be an orphan).
 */
export function* copyChildChunks(table: StagedTable, depth: number, keys: ChildKeys, chunkBytes = CHUNK_BYTES): Generator<Buffer> {
  const { width, values } = table;
  const keyColumns = depth === 1 ? 2 : 3;
  const { sessionIds, reservedIds, assigned, parentIds } = keys;
  const out = new CopyTextWriter(chunkBytes);
  let n = 0;
  for (let row = 0; row < values.length; row += width) {
    const batchIndex = values[row] as number;
    const seq = values[row + keyColumns - 1] as number;
    if (reservedIds !== undefined) {
      const id = reservedIds[n++] as number;
      assigned?.set(rowKey(batchIndex, seq), id);
      out.integer(id);
      out.byte(TAB);
    }
    let parentId: number | undefined;
    if (depth === 1) parentId = sessionIds[batchIndex];
    else parentId = parentIds?.get(rowKey(batchIndex, values[row + 1] as number));
    if (parentId === undefined) {
      throw Object.assign(new Error(`${table.spec.name}: a row names parent seq ${String(values[row + 1])}, which its session does not have`), { code: ORPHAN_ROW, table: table.spec.name });
    }
    out.integer(parentId);
    out.byte(TAB);
    out.integer(seq);
    for (let c = keyColumns; c < width; c++) {
      out.byte(TAB);
      out.value(values[row + c] as StagedValue);
    }
    out.byte(NEWLINE);
    if (out.hasFull) yield* out.take();
  }
  yield* out.end();
}
