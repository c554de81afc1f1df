/**
 * A batch of sessions as rows, one flat row-major array per table in the schema's staging column
 * order (see schema.ts `stagingKeyColumns`). Every dialect consumes this: SQLite inserts it with
 * prepared statements, PostgreSQL COPYs it into staging tables, SQL Server bulk-loads it. Flat
 * arrays of primitives are cheap to build, to post to a worker thread and to encode.
 */
import type { SessionBundle } from '../../src/records.ts';
import { stagedWidth, TABLES, type TableSpec } from './schema.ts';

/** Text, a number, or NULL. Times are ISO-8601 UTC text; flags are 1/0. */
export type StagedValue = string | number | null;

export interface StagedTable {
  readonly spec: TableSpec;
  /** Values per row: the staging key columns, then the table's data columns. */
  readonly width: number;
  /** Row-major values, `rows * width` long. */
  readonly values: StagedValue[];
}

export interface StagedBatch {
  /** The sessions staged, in `batch_index` order. */
  readonly sessions: readonly SessionBundle[];
  /** One entry per schema table, in TABLES order (parents first). */
  readonly tables: readonly StagedTable[];
}

export function emptyTables(): StagedTable[] {
  return TABLES.map((spec) => ({ spec, width: stagedWidth(spec), values: [] }));
}

export function rowCount(table: Pick<StagedTable, 'width' | 'values'>): number {
  return table.values.length / table.width;
}

/** Rows per table, keyed by table name. */
export function rowCounts(batch: StagedBatch): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const table of batch.tables) counts[table.spec.name] = rowCount(table);
  return counts;
}
