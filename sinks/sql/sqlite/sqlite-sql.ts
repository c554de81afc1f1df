/**
 * SQLite's SQL text: DDL for the schema (declared lengths are documentation only, since SQLite does
 * not enforce them; the sink checks lengths before writing) and the per-row statements the writer
 * prepares once and reuses.
 */
import { depthOf, REJECTED_SESSION_TABLE, SCHEMA_VERSION_TABLE, TABLES, tableByName, type ColumnSpec, type TableSpec } from '../schema.ts';

export const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function columnType(column: ColumnSpec): string {
  switch (column.type) {
    case 'text':
      return `VARCHAR(${column.maxLength ?? 255})`;
    case 'longtext':
      return 'TEXT';
    case 'int':
    case 'bigint':
    case 'flag':
      return 'INTEGER';
    case 'time':
      return 'TEXT'; // ISO-8601 UTC, e.g. 2024-12-03T15:26:05Z: sorts and works with SQLite's date functions
  }
}

function columnDefinition(column: ColumnSpec): string {
  return `${quote(column.name)} ${columnType(column)}${column.nullable === false ? ' NOT NULL' : ''}`;
}

export function createTableSql(table: TableSpec): string {
  const lines = ['id INTEGER PRIMARY KEY'];
  if (table.parent !== null) {
    // No FOREIGN KEY clause, as on the other dialects: the writer replaces a session and its
    // children in one transaction (see the README's schema notes).
    lines.push(`${quote(table.parent.column)} INTEGER NOT NULL`, 'seq INTEGER NOT NULL');
  }
  for (const column of table.columns) lines.push(columnDefinition(column));
  return `CREATE TABLE IF NOT EXISTS ${quote(table.name)} (\n  ${lines.join(',\n  ')}\n)`;
}

export function naturalKeyIndexSql(table: TableSpec): string {
  const columns = table.parent === null ? ['host_name', 'lsid'] : [table.parent.column, 'seq'];
  return `CREATE UNIQUE INDEX IF NOT EXISTS ${quote(`ux_${table.name}_${columns.join('_')}`)} ON ${quote(table.name)} (${columns.map(quote).join(', ')})`;
}

export const SCHEMA_VERSION_SQL =
  `CREATE TABLE IF NOT EXISTS ${quote(SCHEMA_VERSION_TABLE)} (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)`;

export const REJECTED_SESSION_SQL = `CREATE TABLE IF NOT EXISTS ${quote(REJECTED_SESSION_TABLE)} (
  id INTEGER PRIMARY KEY,
  rejected_at TEXT NOT NULL,
  host_name TEXT NOT NULL,
  lsid TEXT NOT NULL,
  error_code TEXT NOT NULL,
  table_name TEXT,
  column_name TEXT,
  message TEXT NOT NULL,
  source TEXT,
  bundle TEXT NOT NULL
)`;

/** Migration 1: every table of the schema, its natural-key index, and the quarantine table. */
export function schemaV1Statements(): string[] {
  const statements: string[] = [];
  for (const table of TABLES) statements.push(createTableSql(table), naturalKeyIndexSql(table));
  statements.push(REJECTED_SESSION_SQL);
  return statements;
}

export const selectSessionIdSql = `SELECT id FROM ${quote('session')} WHERE host_name = ? AND lsid = ?`;

export function insertSql(table: TableSpec): string {
  const columns = [...(table.parent === null ? [] : [table.parent.column, 'seq']), ...table.columns.map((c) => c.name)];
  return `INSERT INTO ${quote(table.name)} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/** Updates every data column of a session row, keeping its id. */
export function updateSessionSql(session: TableSpec): string {
  return `UPDATE ${quote(session.name)} SET ${session.columns.map((c) => `${quote(c.name)} = ?`).join(', ')} WHERE id = ?`;
}

/** Deletes one session's rows from a child or grandchild table. */
export function deleteChildrenSql(table: TableSpec): string {
  if (table.parent === null) throw new Error('session rows are updated, not deleted');
  if (depthOf(table) === 1) return `DELETE FROM ${quote(table.name)} WHERE ${quote(table.parent.column)} = ?`;
  const parent = tableByName(table.parent.table);
  if (parent.parent === null) throw new Error(`${table.name}: expected a grandchild of session`);
  return `DELETE FROM ${quote(table.name)} WHERE ${quote(table.parent.column)} IN (SELECT id FROM ${quote(parent.name)} WHERE ${quote(parent.parent.column)} = ?)`;
}

export const insertRejectedSql =
  `INSERT INTO ${quote(REJECTED_SESSION_TABLE)} (rejected_at, host_name, lsid, error_code, table_name, column_name, message, source, bundle) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
