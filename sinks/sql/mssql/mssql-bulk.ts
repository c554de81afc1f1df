/**
 * The SQL Server bulk path: each staged table as an mssql `Table` for `request.bulk` (TDS bulk copy)
 * into its `#stage_*` temp table. Column types are the staging DDL's own (mssql-sql.ts
 * `stagingColumns`), so the server converts nothing; times become Date objects (datetime2 takes
 * them as UTC), flags stay 1/0 numbers (tedious treats any truthy value as bit 1, so never '0').
 */
import sql from 'mssql';
import type { ColumnSpec, TableSpec } from '../schema.ts';
import { stagingKeyColumns } from '../schema.ts';
import type { StagedTable, StagedValue } from '../staged-batch.ts';
import { stagingName } from './mssql-sql.ts';

/** Bulk options: tedious's `lockTable` (TABLOCK). @types/mssql names it `tableLock`, which tedious ignores silently. */
export const BULK_OPTIONS = { lockTable: true } as unknown as sql.IBulkOptions;

/** The mssql type for a logical column type (and staging key columns: int). */
export function mssqlType(column: Pick<ColumnSpec, 'type' | 'maxLength'>): sql.ISqlType {
  switch (column.type) {
    case 'text':
      return sql.NVarChar(column.maxLength ?? 255);
    case 'longtext':
      return sql.NVarChar(sql.MAX);
    case 'int':
      return sql.Int();
    case 'bigint':
      return sql.BigInt();
    case 'flag':
      return sql.Bit();
    case 'time':
      return sql.DateTime2(3);
  }
}

/** An empty bulk Table for a staging table (no rows; `create` off, the batch creates it). */
export function stagingTable(spec: TableSpec): sql.Table {
  const table = new sql.Table(stagingName(spec));
  table.create = false;
  for (const key of stagingKeyColumns(spec)) table.columns.add(key, sql.Int(), { nullable: false });
  for (const column of spec.columns) table.columns.add(column.name, mssqlType(column), { nullable: true });
  return table;
}

/** The staged rows of `staged` in a bulk Table. */
export function bulkTable(staged: StagedTable): sql.Table {
  const table = stagingTable(staged.spec);
  const keys = stagingKeyColumns(staged.spec).length;
  const times: number[] = [];
  staged.spec.columns.forEach((column, i) => {
    if (column.type === 'time') times.push(keys + i);
  });
  const { width, values } = staged;
  for (let row = 0; row < values.length; row += width) {
    const cells: (StagedValue | Date)[] = values.slice(row, row + width);
    for (const at of times) {
      const value = cells[at];
      if (typeof value === 'string') cells[at] = new Date(value);
    }
    table.rows.push(cells);
  }
  return table;
}
