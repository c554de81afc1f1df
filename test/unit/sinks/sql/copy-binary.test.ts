import { describe, expect, it } from 'vitest';
import { copyChildChunks, copyRowChunks, ORPHAN_ROW, rowKey, stagedWireTypes, WireType } from '../../../../sinks/sql/postgres/copy-binary.ts';
import { classifyPostgresError } from '../../../../sinks/sql/postgres/postgres-errors.ts';
import { SESSION, tableByName } from '../../../../sinks/sql/schema.ts';
import type { StagedTable, StagedValue } from '../../../../sinks/sql/staged-batch.ts';

/** Reads binary COPY data back: one array of raw field Buffers (null for NULL) per row. */
function decode(chunks: Iterable<Buffer>): (Buffer | null)[][] {
  const data = Buffer.concat([...chunks]);
  expect(data.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
  expect(data.readInt32BE(11)).toBe(0); // flags
  expect(data.readInt32BE(15)).toBe(0); // header extension
  let at = 19;
  const rows: (Buffer | null)[][] = [];
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    const row: (Buffer | null)[] = [];
    for (let f = 0; f < fields; f++) {
      const length = data.readInt32BE(at);
      at += 4;
      row.push(length === -1 ? null : data.subarray(at, at + length));
      if (length > 0) at += length;
    }
    rows.push(row);
  }
  expect(at).toBe(data.length); // nothing after the end marker
  return rows;
}

const micros = (iso: string): bigint => BigInt(Date.parse(iso) - Date.parse('2000-01-01T00:00:00Z')) * 1000n;

/** A staged session table holding one row: batch_index, then the given data values, the rest NULL. */
function sessionRow(values: Record<string, StagedValue>): StagedTable {
  const names = SESSION.columns.map((c) => c.name);
  return { spec: SESSION, width: 1 + names.length, values: [0, ...names.map((name) => values[name] ?? null)] };
}

function column(name: string): number {
  const at = SESSION.columns.findIndex((c) => c.name === name);
  if (at < 0) throw new Error(`no session column ${name}`);
  return 1 + at;
}

describe('COPY binary encoding', () => {
  it('maps each schema type to its wire type (staging keys are integers)', () => {
    const types = stagedWireTypes(SESSION);
    expect(types[0]).toBe(WireType.int4);
    expect(types[column('lsid')]).toBe(WireType.text);
    expect(types[column('start_time')]).toBe(WireType.timestamptz);
    expect(types[column('file_transfers')]).toBe(WireType.int4);
  });

  it('writes NULL, integers, multi-byte and long text, and times as PostgreSQL reads them', () => {
    const long = 'x\t\\\n'.repeat(2000);
    const rows = decode(copyRowChunks(sessionRow({
      lsid: 'Zoë 山田 🚀', host_name: long, start_time: '2024-12-03T15:26:05Z', end_time: '1969-07-20T20:17:40.5Z', file_transfers: -7,
    }), 64));
    expect(rows).toHaveLength(1);
    const row = rows[0] as (Buffer | null)[];
    expect(row).toHaveLength(1 + SESSION.columns.length);
    expect(row[0]?.readInt32BE(0)).toBe(0);
    expect(row[column('lsid')]?.toString('utf8')).toBe('Zoë 山田 🚀');
    expect(row[column('host_name')]?.toString('utf8')).toBe(long); // no escaping in binary form
    expect(row[column('start_time')]?.readBigInt64BE(0)).toBe(micros('2024-12-03T15:26:05Z'));
    expect(row[column('end_time')]?.readBigInt64BE(0)).toBe(micros('1969-07-20T20:17:40.5Z'));
    expect(row[column('file_transfers')]?.readInt32BE(0)).toBe(-7);
    expect(row[column('duration')]).toBeNull();
  });

  it('splits rows over chunks no larger than asked unless one value is larger', () => {
    const table: StagedTable = { spec: SESSION, width: 1 + SESSION.columns.length, values: [] };
    for (let i = 0; i < 50; i++) table.values.push(i, `lsid-${i}`, ...SESSION.columns.slice(1).map(() => null));
    const chunks = [...copyRowChunks(table, 100)];
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.every((c) => c.length <= 100)).toBe(true);
    expect(decode(chunks).map((row) => row[1]?.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `lsid-${i}`));
  });

  it('refuses a value its column cannot hold with the SQLSTATE the server would give, as bad data naming table and column', () => {
    const refused = (values: Record<string, StagedValue>): unknown => {
      try {
        Array.from(copyRowChunks(sessionRow(values)));
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const cases: [Record<string, StagedValue>, string, string][] = [
      [{ file_transfers: 'many' }, '22P02', 'file_transfers'],
      [{ file_transfers: 2.5 }, '22P02', 'file_transfers'],
      [{ file_transfers: 2 ** 31 }, '22003', 'file_transfers'],
      [{ start_time: 'yesterday' }, '22007', 'start_time'],
      [{ start_time: '2024-12-03T15:26:05' }, '22007', 'start_time'], // no zone: ambiguous
    ];
    for (const [values, sqlState, name] of cases) {
      const error = refused(values);
      expect(error, JSON.stringify(values)).toMatchObject({ code: sqlState, table: 'session', column: name });
      expect(classifyPostgresError(error)).toMatchObject({ dataError: true, retriable: false, table: 'session', column: name });
    }
    expect(refused({ file_transfers: '12' })).toBeUndefined(); // integer text is read as the server would
  });

  it('gives child rows their reserved ids and their parents\' ids', () => {
    const spec = tableByName('session_event');
    const events: StagedTable = { spec, width: 2 + spec.columns.length, values: [] };
    const pad = (n: number) => Array.from({ length: n }, () => null);
    events.values.push(0, 0, 'Session Start', ...pad(events.width - 3), 1, 0, 'Session Start', ...pad(events.width - 3));
    const assigned = new Map<number, number>();
    const rows = decode(copyChildChunks(events, 1, { sessionIds: [100, 2 ** 40], reservedIds: [7, 8], assigned }));
    expect(rows.map((r) => [r[0]?.readBigInt64BE(0), r[1]?.readBigInt64BE(0), r[2]?.readInt32BE(0), r[3]?.toString()])).toEqual([
      [7n, 100n, 0, 'Session Start'],
      [8n, 2n ** 40n, 0, 'Session Start'],
    ]);
    expect(rows[0]).toHaveLength(1 + spec.columns.length + 2);
    expect([...assigned]).toEqual([[rowKey(0, 0), 7], [rowKey(1, 0), 8]]);
    const data: StagedTable = { spec: tableByName('session_event_data'), width: 5, values: [1, 0, 0, 'owner', 'Admin'] };
    const dataRows = decode(copyChildChunks(data, 2, { sessionIds: [100, 200], parentIds: assigned }));
    expect(dataRows.map((r) => [r[0]?.readBigInt64BE(0), r[1]?.readInt32BE(0), r[2]?.toString(), r[3]?.toString()])).toEqual([[8n, 0, 'owner', 'Admin']]);
  });

  it('refuses a grandchild whose parent is not in the batch, as bad data', () => {
    const data: StagedTable = { spec: tableByName('session_event_data'), width: 5, values: [0, 9, 0, 'owner', 'Admin'] };
    let error: unknown;
    try {
      Array.from(copyChildChunks(data, 2, { sessionIds: [1], parentIds: new Map() }));
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe(ORPHAN_ROW);
    expect(classifyPostgresError(error)).toMatchObject({ dataError: true, retriable: false, table: 'session_event_data' });
  });
});
