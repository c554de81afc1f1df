/**
 * Staged rows in COPY's text format: tab-separated, `\N` for NULL, backslash escapes for the four
 * characters that would break a row. Values are appended to one string per chunk (no array per
 * row, no escaping unless a value needs it) and handed out in chunks of about 64 K characters.
 * Child rows get their keys on the way out: an explicit id for rows other rows point at, the
 * parent's id in place of the staged (batch_index, parent seq).
 */
import type { StagedTable, StagedValue } from '../staged-batch.ts';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeChar = (c: string): string => ESCAPES[c] as string;
const CHUNK_CHARS = 65_536;

export function copyTextValue(value: StagedValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, escapeChar) : value;
}

/** Chunks of COPY text for `values` (row-major, `width` values per row), all columns as staged. */
export function* copyTextChunks(values: readonly StagedValue[], width: number, chunkChars = CHUNK_CHARS): Generator<string> {
  let out = '';
  for (let row = 0; row < values.length; row += width) {
    out += copyTextValue(values[row] as StagedValue);
    for (let c = 1; c < width; c++) out += '\t' + copyTextValue(values[row + c] as StagedValue);
    out += '\n';
    if (out.length >= chunkChars) {
      yield out;
      out = '';
    }
  }
  if (out.length > 0) yield out;
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
export function* copyChildChunks(table: StagedTable, depth: number, keys: ChildKeys, chunkChars = CHUNK_CHARS): Generator<string> {
  const { width, values } = table;
  const keyColumns = depth === 1 ? 2 : 3;
  const { sessionIds, reservedIds, assigned, parentIds } = keys;
  let out = '';
  let n = 0;
  for (let row = 0; row < values.length; row += width) {
    const batchIndex = values[row] as number;
    const seq = values[row + keyColumns - 1] as number;
    if (reservedIds !== undefined) {
      const id = reservedIds[n++] as number;
      assigned?.set(rowKey(batchIndex, seq), id);
      out += `${id}\t`;
    }
    let parentId: number | undefined;
    if (depth === 1) parentId = sessionIds[batchIndex];
    else parentId = parentIds?.get(rowKey(batchIndex, values[row + 1] as number));
    if (parentId === undefined) {
      throw Object.assign(new Error(`${table.spec.name}: a row names parent seq ${String(values[row + 1])}, which its session does not have`), { code: ORPHAN_ROW, table: table.spec.name });
    }
    out += `${parentId}\t${seq}`;
    for (let c = keyColumns; c < width; c++) out += '\t' + copyTextValue(values[row + c] as StagedValue);
    out += '\n';
    if (out.length >= chunkChars) {
      yield out;
      out = '';
    }
  }
  if (out.length > 0) yield out;
}
