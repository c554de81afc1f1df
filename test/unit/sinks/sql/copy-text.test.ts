import { describe, expect, it } from 'vitest';

const text = (chunks: Iterable<Buffer>): string => Buffer.concat([...chunks]).toString('utf8');
import { copyChildChunks, copyTextChunks, copyTextValue, ORPHAN_ROW, rowKey } from '../../../../sinks/sql/postgres/copy-text.ts';
import { classifyPostgresError } from '../../../../sinks/sql/postgres/postgres-errors.ts';
import { tableByName } from '../../../../sinks/sql/schema.ts';

describe('COPY text encoding', () => {
  it('writes NULL as \\N, numbers as digits, and escapes only the characters that break a row', () => {
    expect(copyTextValue(null)).toBe('\\N');
    expect(copyTextValue(42)).toBe('42');
    expect(copyTextValue('')).toBe('');
    expect(copyTextValue('plain <xml> & "quotes" é 🚀')).toBe('plain <xml> & "quotes" é 🚀');
    expect(copyTextValue('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyTextValue('\\N')).toBe('\\\\N'); // the text "\N" is not NULL
  });

  it('writes numbers, multi-byte text and long values byte for byte', () => {
    const values = [0, 7, 10, 1234567890123, -5, 2.5, 'Zoë 山田 🚀', 'x'.repeat(5000), null];
    expect(text(copyTextChunks(values, values.length, 64))).toBe(`0\t7\t10\t1234567890123\t-5\t2.5\tZoë 山田 🚀\t${'x'.repeat(5000)}\t\\N\n`);
  });

  it('joins rows with tabs and newlines, in chunks', () => {
    const values = ['a', 1, null, 'b\tc', 2, 'x'];
    expect(text(copyTextChunks(values, 3))).toBe('a\t1\t\\N\nb\\tc\t2\tx\n');
    const chunks = [...copyTextChunks(Array.from({ length: 300 }, (_, i) => `value-${i}`), 3, 100)];
    expect(chunks.length).toBeGreaterThan(5);
    expect(text(chunks).split('\n')).toHaveLength(101);
    expect(chunks.every((c) => c.length <= 100)).toBe(true);
  });

  it('gives child rows their reserved ids and their parents\' ids', () => {
    const events = { spec: tableByName('session_event'), width: 2 + tableByName('session_event').columns.length, values: [] as (string | number | null)[] };
    const pad = (n: number) => Array.from({ length: n }, () => null);
    events.values.push(0, 0, 'Session Start', ...pad(events.width - 3), 1, 0, 'Session Start', ...pad(events.width - 3));
    const assigned = new Map<number, number>();
    const eventText = text(copyChildChunks(events, 1, { sessionIds: [100, 200], reservedIds: [7, 8], assigned }));
    expect(eventText.split('\n')[0]?.split('\t').slice(0, 4)).toEqual(['7', '100', '0', 'Session Start']);
    expect(eventText.split('\n')[1]?.split('\t').slice(0, 4)).toEqual(['8', '200', '0', 'Session Start']);
    expect([...assigned]).toEqual([[rowKey(0, 0), 7], [rowKey(1, 0), 8]]);
    const data = { spec: tableByName('session_event_data'), width: 5, values: [1, 0, 0, 'owner', 'Admin'] };
    expect(text(copyChildChunks(data, 2, { sessionIds: [100, 200], parentIds: assigned }))).toBe('8\t0\towner\tAdmin\n');
  });

  it('refuses a grandchild whose parent is not in the batch, as bad data', () => {
    const data = { spec: tableByName('session_event_data'), width: 5, values: [0, 9, 0, 'owner', 'Admin'] };
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
