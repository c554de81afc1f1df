/**
 * Staged rows in COPY's binary format (https://www.postgresql.org/docs/current/sql-copy.html,
 * "Binary Format"): a header, then per row a 16-bit field count and per field a 32-bit length
 * (-1 for NULL) and the value in the type's binary send form; a 16-bit -1 ends the data.
 *
 * Why binary and not text: the server no longer scans every byte for line ends and backslashes
 * and no longer parses numbers and timestamps (about a seventh of its COPY CPU, mostly on the
 * large system information XML), and the client no longer scans every string for characters to
 * escape. Values are written straight into 256 KB Buffers, so encoding makes no string per value
 * or per row and the chunks go to the socket as they are.
 *
 * A value the column's type cannot hold (text in an integer column, an integer out of range, an
 * unreadable time) throws an error with a PostgreSQL SQLSTATE of class 22, the table and the
 * column, exactly as the server would have refused it in text form: the sink treats it as bad
 * data and isolates the session.
 *
 * Child rows get their keys on the way out: an explicit id for rows other rows point at, the
 * parent's id in place of the staged (batch_index, parent seq).
 */
import { stagingKeyColumns, type ColumnType, type TableSpec } from '../schema.ts';
import type { StagedTable, StagedValue } from '../staged-batch.ts';

const CHUNK_BYTES = 262_144;
/** `PGCOPY\n\377\r\n\0`, then 32-bit flags (0) and header extension length (0). */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix milliseconds. */
const POSTGRES_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;
const INTEGER_TEXT = /^[+-]?\d+$/;
/** Ends in a zone (`Z` or an offset): without one the server would read it in its own time zone. */
const ZONED = /(?:Z|[+-]\d\d:?\d\d)$/;

/**
 * Writes the low 32 bits of the integer `n` big-endian at `at`; returns the offset after them.
 * Plain byte stores: Buffer#writeInt32BE's argument checks cost more than the stores, and every
 * field has at least one such length word.
 */
function put32(buffer: Buffer, at: number, n: number): number {
  buffer[at] = n >>> 24;
  buffer[at + 1] = n >>> 16;
  buffer[at + 2] = n >>> 8;
  buffer[at + 3] = n;
  return at + 4;
}

/** The low 16 bits of `n`, big-endian. */
function put16(buffer: Buffer, at: number, n: number): number {
  buffer[at] = n >>> 8;
  buffer[at + 1] = n;
  return at + 2;
}

/** A column's binary wire type. */
export const WireType = { text: 0, int2: 1, int4: 2, int8: 3, timestamptz: 4 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const WIRE_OF: Readonly<Record<ColumnType, WireType>> = {
  text: WireType.text, longtext: WireType.text, int: WireType.int4, bigint: WireType.int8, flag: WireType.int2, time: WireType.timestamptz,
};
const RANGE: Readonly<Record<number, number>> = { [WireType.int2]: 32_767, [WireType.int4]: 2_147_483_647 };

/** The wire type of every staged value of a row of `table` (staging key columns are integers). */
export function stagedWireTypes(table: TableSpec): WireType[] {
  return [...stagingKeyColumns(table).map(() => WireType.int4), ...table.columns.map((c) => WIRE_OF[c.type])];
}

/** `code` of the error thrown for a child row whose parent is not in the batch (classified as bad data). */
export const ORPHAN_ROW = 'SRA_ORPHAN_ROW';

/** A value its column cannot hold, with the SQLSTATE the server would have given it. */
function badValue(sqlState: string, what: string, value: unknown, place: Place): Error {
  return Object.assign(new Error(`${place.table}.${place.column}: ${what}: ${JSON.stringify(value)}`), { code: sqlState, table: place.table, column: place.column });
}

/** Where a value goes, for error messages. */
export interface Place {
  readonly table: string;
  readonly column: string;
}

/** Appends binary COPY data to Buffers of about CHUNK_BYTES; `take()` hands out the full ones. */
export class BinaryCopyWriter {
  #buffer: Buffer;
  #offset = 0;
  #full: Buffer[] = [];
  readonly #chunkBytes: number;
  #lastTime: StagedValue | undefined;
  #lastTimeMs = 0;

  constructor(chunkBytes = CHUNK_BYTES) {
    this.#chunkBytes = chunkBytes;
    this.#buffer = Buffer.allocUnsafe(chunkBytes);
    this.#buffer.set(HEADER, 0);
    this.#offset = HEADER.length;
  }

  /** Room for `bytes` more bytes, starting a new buffer when the current one lacks it. */
  #room(bytes: number): void {
    if (this.#offset + bytes <= this.#buffer.length) return;
    if (this.#offset > 0) this.#full.push(this.#buffer.subarray(0, this.#offset));
    this.#buffer = Buffer.allocUnsafe(Math.max(this.#chunkBytes, bytes));
    this.#offset = 0;
  }

  /** Starts a row of `fields` values. */
  row(fields: number): void {
    this.#room(2);
    this.#offset = put16(this.#buffer, this.#offset, fields);
  }

  /** An int8 field from an integer known to be safe (ids). */
  id(n: number): void {
    this.#room(12);
    const buffer = this.#buffer;
    const high = Math.floor(n / TWO_32);
    this.#offset = put32(buffer, put32(buffer, put32(buffer, this.#offset, 8), high), n - high * TWO_32);
  }

  /** An int4 field from an integer known to fit (seq). */
  int4(n: number): void {
    this.#room(8);
    this.#offset = put32(this.#buffer, put32(this.#buffer, this.#offset, 4), n);
  }

  /** One staged value as a field of wire type `type`; `place` names it in errors. */
  value(value: StagedValue, type: WireType, place: Place): void {
    if (value === null) {
      this.#room(4);
      this.#offset = put32(this.#buffer, this.#offset, -1);
      return;
    }
    switch (type) {
      case WireType.text:
        this.#text(typeof value === 'string' ? value : String(value));
        return;
      case WireType.int2:
      case WireType.int4: {
        const n = typeof value === 'number' ? value : integerFromText(value, place);
        const limit = RANGE[type] as number;
        if (!Number.isInteger(n)) throw badValue('22P02', 'not an integer', value, place);
        if (n > limit || n < -limit - 1) throw badValue('22003', `out of range for ${type === WireType.int2 ? 'smallint' : 'integer'}`, value, place);
        this.#room(8);
        this.#offset = type === WireType.int2
          ? put16(this.#buffer, put32(this.#buffer, this.#offset, 2), n)
          : put32(this.#buffer, put32(this.#buffer, this.#offset, 4), n);
        return;
      }
      case WireType.int8:
        this.#int8(value, place);
        return;
      case WireType.timestamptz:
        this.#time(value, place);
        return;
    }
  }

  #text(text: string): void {
    this.#room(4 + text.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    const start = this.#offset;
    const bytes = this.#buffer.write(text, start + 4, 'utf8');
    put32(this.#buffer, start, bytes);
    this.#offset = start + 4 + bytes;
  }

  #int8(value: string | number, place: Place): void {
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw badValue('22P02', 'not an integer', value, place);
      if (!Number.isSafeInteger(value)) throw badValue('22003', 'out of range for an exact bigint', value, place);
      this.id(value);
      return;
    }
    if (!INTEGER_TEXT.test(value)) throw badValue('22P02', 'not an integer', value, place);
    const n = BigInt(value);
    if (n > 9_223_372_036_854_775_807n || n < -9_223_372_036_854_775_808n) throw badValue('22003', 'out of range for bigint', value, place);
    this.#room(12);
    this.#offset = this.#buffer.writeBigInt64BE(n, put32(this.#buffer, this.#offset, 8));
  }

  /** An ISO-8601 instant (the staged form of every time) as microseconds since 2000-01-01 UTC. */
  #time(value: string | number, place: Place): void {
    let ms: number;
    if (value === this.#lastTime) ms = this.#lastTimeMs; // events of a session often share a time
    else {
      ms = typeof value === 'string' && ZONED.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) throw badValue('22007', 'not an ISO-8601 time with a zone', value, place);
      this.#lastTime = value;
      this.#lastTimeMs = ms;
    }
    const micros = (ms - POSTGRES_EPOCH_MS) * 1000;
    this.#room(12);
    const at = put32(this.#buffer, this.#offset, 8);
    if (Number.isSafeInteger(micros)) {
      const high = Math.floor(micros / TWO_32);
      this.#offset = put32(this.#buffer, put32(this.#buffer, at, high), micros - high * TWO_32);
    } else {
      this.#offset = this.#buffer.writeBigInt64BE(BigInt(ms - POSTGRES_EPOCH_MS) * 1000n, at);
    }
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

  /** The end-of-data marker, then everything written, including the last partial buffer. */
  end(): Buffer[] {
    this.#room(2);
    this.#offset = put16(this.#buffer, this.#offset, -1);
    this.#full.push(this.#buffer.subarray(0, this.#offset));
    this.#offset = 0;
    this.#buffer = Buffer.alloc(0);
    return this.take();
  }
}

function integerFromText(value: string, place: Place): number {
  if (!INTEGER_TEXT.test(value)) throw badValue('22P02', 'not an integer', value, place);
  return Number(value);
}

/** Each staged column of `table` as named in error messages. */
function stagedPlaces(table: TableSpec): Place[] {
  return [...stagingKeyColumns(table), ...table.columns.map((c) => c.name)].map((column) => ({ table: table.name, column }));
}

/** Binary COPY data for `table`'s rows with all columns as staged (the session staging table). */
export function* copyRowChunks(table: StagedTable, chunkBytes = CHUNK_BYTES): Generator<Buffer> {
  const { width, values } = table;
  const types = stagedWireTypes(table.spec);
  const places = stagedPlaces(table.spec);
  const out = new BinaryCopyWriter(chunkBytes);
  for (let row = 0; row < values.length; row += width) {
    out.row(width);
    for (let c = 0; c < width; c++) out.value(values[row + c] as StagedValue, types[c] as WireType, places[c] as Place);
    if (out.hasFull) yield* out.take();
  }
  yield* out.end();
}

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
 * Binary COPY data for a child table: `[id,] parent_id, seq, data…`. Throws when a grandchild
 * names a parent seq the batch does not have (the parser never produces that; it would be an orphan).
 */
export function* copyChildChunks(table: StagedTable, depth: number, keys: ChildKeys, chunkBytes = CHUNK_BYTES): Generator<Buffer> {
  const { width, values } = table;
  const keyColumns = depth === 1 ? 2 : 3;
  const { sessionIds, reservedIds, assigned, parentIds } = keys;
  const types = stagedWireTypes(table.spec);
  const places = stagedPlaces(table.spec);
  const fields = (reservedIds === undefined ? 2 : 3) + width - keyColumns;
  const out = new BinaryCopyWriter(chunkBytes);
  let n = 0;
  for (let row = 0; row < values.length; row += width) {
    const batchIndex = values[row] as number;
    const seq = values[row + keyColumns - 1] as number;
    out.row(fields);
    if (reservedIds !== undefined) {
      const id = reservedIds[n++] as number;
      assigned?.set(rowKey(batchIndex, seq), id);
      out.id(id);
    }
    let parentId: number | undefined;
    if (depth === 1) parentId = sessionIds[batchIndex];
    else parentId = parentIds?.get(rowKey(batchIndex, values[row + 1] as number));
    if (parentId === undefined) {
      throw Object.assign(new Error(`${table.spec.name}: a row names parent seq ${String(values[row + 1])}, which its session does not have`), { code: ORPHAN_ROW, table: table.spec.name });
    }
    out.id(parentId);
    out.int4(seq);
    for (let c = keyColumns; c < width; c++) out.value(values[row + c] as StagedValue, types[c] as WireType, places[c] as Place);
    if (out.hasFull) yield* out.take();
  }
  yield* out.end();
}
