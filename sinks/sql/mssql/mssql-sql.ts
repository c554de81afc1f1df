/**
 * SQL Server's T-SQL text (see ../shared/reference/sqlserver-notes.md): idempotent DDL for the
 * guide's tables in `dbo`, the `#stage_*` temp tables that bulk copy fills, and the set-based merge
 * that replaces each staged session (UPDATE keeps its IDENTITY id, INSERT adds new ones, under
 * UPDLOCK + SERIALIZABLE key-range locks on the unique (host_name, lsid) index), deletes the old
 * children of sessions that existed, and inserts the staged children joined to their parents'
 * ids on the natural key (parent_id, seq). No MERGE statement (its concurrency hazards), no OUTPUT.
 * `user` and `session` are bracketed everywhere (`USER` is a reserved word).
 */
import { depthOf, REJECTED_SESSION_TABLE, SCHEMA_VERSION_TABLE, stagingKeyColumns, TABLES, tableByName, type ColumnSpec, type TableSpec } from '../schema.ts';

export const bracket = (name: string): string => `[${name.replace(/]/g, ']]')}]`;
export const dbo = (name: string): string => `[dbo].${bracket(name)}`;
/** An N'…' literal. */
export const nstring = (text: string): string => `N'${text.replace(/'/g, "''")}'`;

export const stagingName = (table: TableSpec): string => `#stage_${table.name}`;

/** The T-SQL type of a column (targets and staging tables alike, so bulk copy never converts). */
export function columnType(column: Pick<ColumnSpec, 'type' | 'maxLength'>): string {
  switch (column.type) {
    case 'text':
      return `nvarchar(${column.maxLength ?? 255})`;
    case 'longtext':
      return 'nvarchar(max)';
    case 'int':
      return 'int';
    case 'bigint':
      return 'bigint';
    case 'flag':
      return 'bit';
    case 'time':
      return 'datetime2(3)';
  }
}

export function createTableSql(table: TableSpec): string {
  const lines = [`[id] bigint IDENTITY(1,1) NOT NULL CONSTRAINT ${bracket(`PK_${table.name}`)} PRIMARY KEY`];
  if (table.parent !== null) lines.push(`${bracket(table.parent.column)} bigint NOT NULL`, '[seq] int NOT NULL');
  for (const column of table.columns) lines.push(`${bracket(column.name)} ${columnType(column)} ${column.nullable === false ? 'NOT NULL' : 'NULL'}`);
  return `IF OBJECT_ID(${nstring(`dbo.${table.name}`)}, N'U') IS NULL\nCREATE TABLE ${dbo(table.name)} (\n  ${lines.join(',\n  ')}\n);`;
}

export function naturalKeyIndexSql(table: TableSpec): string {
  const columns = table.parent === null ? ['host_name', 'lsid'] : [table.parent.column, 'seq'];
  const name = `ux_${table.name}_${columns.join('_')}`;
  return `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = ${nstring(name)} AND object_id = OBJECT_ID(${nstring(`dbo.${table.name}`)}))\n` +
    `CREATE UNIQUE INDEX ${bracket(name)} ON ${dbo(table.name)} (${columns.map(bracket).join(', ')});`;
}

export const SCHEMA_VERSION_SQL =
  `IF OBJECT_ID(N'dbo.${SCHEMA_VERSION_TABLE}', N'U') IS NULL\nCREATE TABLE ${dbo(SCHEMA_VERSION_TABLE)} ([version] int NOT NULL CONSTRAINT [PK_schema_version] PRIMARY KEY, ` +
  '[applied_at] datetime2(3) NOT NULL CONSTRAINT [DF_schema_version_applied_at] DEFAULT SYSUTCDATETIME(), [description] nvarchar(400) NOT NULL);';

export const REJECTED_SESSION_SQL = `IF OBJECT_ID(N'dbo.${REJECTED_SESSION_TABLE}', N'U') IS NULL
CREATE TABLE ${dbo(REJECTED_SESSION_TABLE)} (
  [id] bigint IDENTITY(1,1) NOT NULL CONSTRAINT [PK_rejected_session] PRIMARY KEY,
  [rejected_at] datetime2(3) NOT NULL CONSTRAINT [DF_rejected_session_rejected_at] DEFAULT SYSUTCDATETIME(),
  [host_name] nvarchar(255) NOT NULL,
  [lsid] nvarchar(255) NOT NULL,
  [error_code] nvarchar(64) NOT NULL,
  [table_name] nvarchar(128) NULL,
  [column_name] nvarchar(128) NULL,
  [message] nvarchar(max) NOT NULL,
  [source] nvarchar(max) NULL,
  [bundle] nvarchar(max) NOT NULL
);`;

/** Each element is one batch (`GO` is not T-SQL; the driver sends them one by one). */
export function schemaV1Batches(): string[] {
  const batches: string[] = [];
  for (const table of TABLES) batches.push(createTableSql(table), naturalKeyIndexSql(table));
  batches.push(REJECTED_SESSION_SQL);
  return batches;
}

/** Serialise concurrent migrations (sp_getapplock owned by the transaction). */
export const MIGRATION_LOCK_SQL =
  "DECLARE @rc int;\nEXEC @rc = sp_getapplock @Resource = N'sra-etl:migrate', @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 60000;\n" +
  "IF @rc < 0 THROW 50001, 'sra-etl: could not take the schema migration lock', 1;";

export const CURRENT_VERSION_SQL = `SELECT ISNULL(MAX([version]), 0) AS [version] FROM ${dbo(SCHEMA_VERSION_TABLE)};`;

/** `IF DB_ID… CREATE DATABASE`, run outside any transaction on a connection without a database. */
export function createDatabaseSql(database: string): string {
  return `IF DB_ID(${nstring(database)}) IS NULL CREATE DATABASE ${bracket(database)};`;
}

/** The staging tables' columns: keys, data, and for sessions the id and "existed" flag the merge fills in. */
export function stagingColumns(table: TableSpec): { readonly name: string; readonly type: string; readonly nullable: boolean }[] {
  const keys = stagingKeyColumns(table).map((name) => ({ name, type: 'int', nullable: false }));
  const data = table.columns.map((c) => ({ name: c.name, type: columnType(c), nullable: true }));
  return [...keys, ...data];
}

/** Drops and creates the staging tables of one batch (sent with request.batch so they outlive the call). */
export function createStagingSql(tables: readonly TableSpec[]): string {
  const statements: string[] = [];
  for (const table of tables) {
    const name = stagingName(table);
    const columns = stagingColumns(table).map((c) => `${bracket(c.name)} ${c.type} ${c.nullable ? 'NULL' : 'NOT NULL'}`);
    if (table.parent === null) columns.push('[session_id] bigint NULL', '[existed] bit NOT NULL DEFAULT 0');
    statements.push(`DROP TABLE IF EXISTS ${name};`, `CREATE TABLE ${name} (${columns.join(', ')});`);
  }
  return statements.join('\n');
}

export function dropStagingSql(tables: readonly TableSpec[]): string {
  return tables.map((t) => `DROP TABLE IF EXISTS ${stagingName(t)};`).join('\n');
}

const SESSION = TABLES[0] as TableSpec;
const ST = stagingName(SESSION);

function sessionMergeSql(): string[] {
  const columns = SESSION.columns.map((c) => bracket(c.name));
  const updates = SESSION.columns.filter((c) => c.name !== 'host_name' && c.name !== 'lsid').map((c) => `s.${bracket(c.name)} = st.${bracket(c.name)}`);
  return [
    // Key-range locks on every staged key, present or not, until commit: no other loader can
    // insert or change these sessions in between.
    `UPDATE st SET st.[session_id] = s.[id], st.[existed] = 1 FROM ${ST} AS st JOIN ${dbo('session')} AS s WITH (UPDLOCK, SERIALIZABLE) ON s.[host_name] = st.[host_name] AND s.[lsid] = st.[lsid];`,
    `UPDATE s SET ${updates.join(', ')} FROM ${dbo('session')} AS s JOIN ${ST} AS st ON st.[session_id] = s.[id];`,
    `INSERT INTO ${dbo('session')} (${columns.join(', ')}) SELECT ${columns.map((c) => `st.${c}`).join(', ')} FROM ${ST} AS st WHERE st.[session_id] IS NULL;`,
    `UPDATE st SET st.[session_id] = s.[id] FROM ${ST} AS st JOIN ${dbo('session')} AS s ON s.[host_name] = st.[host_name] AND s.[lsid] = st.[lsid] WHERE st.[session_id] IS NULL;`,
  ];
}

function deleteSql(table: TableSpec): string {
  const link = table.parent;
  if (link === null) throw new Error('session rows are updated, not deleted');
  if (depthOf(table) === 1) {
    return `DELETE c FROM ${dbo(table.name)} AS c JOIN ${ST} AS st ON st.[session_id] = c.${bracket(link.column)} WHERE st.[existed] = 1;`;
  }
  const parent = tableByName(link.table);
  return `DELETE c FROM ${dbo(table.name)} AS c JOIN ${dbo(parent.name)} AS p ON p.[id] = c.${bracket(link.column)} ` +
    `JOIN ${ST} AS st ON st.[session_id] = p.${bracket(parent.parent?.column ?? 'session_id')} WHERE st.[existed] = 1;`;
}

function insertSql(table: TableSpec): string {
  const link = table.parent;
  if (link === null) throw new Error('sessions are merged, not inserted');
  const data = table.columns.map((c) => bracket(c.name));
  const target = `INSERT INTO ${dbo(table.name)} (${bracket(link.column)}, [seq], ${data.join(', ')})`;
  const x = stagingName(table);
  if (depthOf(table) === 1) {
    return `${target} SELECT st.[session_id], x.[seq], ${data.map((c) => `x.${c}`).join(', ')} FROM ${x} AS x JOIN ${ST} AS st ON st.[batch_index] = x.[batch_index];`;
  }
  const parent = tableByName(link.table);
  return `${target} SELECT p.[id], x.[seq], ${data.map((c) => `x.${c}`).join(', ')} FROM ${x} AS x ` +
    `JOIN ${ST} AS st ON st.[batch_index] = x.[batch_index] JOIN ${dbo(parent.name)} AS p ON p.${bracket(parent.parent?.column ?? 'session_id')} = st.[session_id] AND p.[seq] = x.[parent_seq];`;
}

/**
 * The merge batch: sessions, then deletes (grandchildren first), then inserts (parents first) for
 * the staged tables named in `staged`. XACT_ABORT makes any error roll back the whole transaction.
 */
export function mergeSql(staged: ReadonlySet<string>): string {
  const children = TABLES.filter((t) => t.parent !== null);
  const deletes = [...children].sort((x, y) => depthOf(y) - depthOf(x)).map(deleteSql);
  const inserts = children.filter((t) => staged.has(t.name)).map(insertSql);
  return ['SET XACT_ABORT ON;', ...sessionMergeSql(), ...deletes, ...inserts].join('\n');
}

export const REJECTED_COLUMNS = ['host_name', 'lsid', 'error_code', 'table_name', 'column_name', 'message', 'source', 'bundle'] as const;

/** SQL Server's limits for plain statements: parameters per request (a few kept for sp_executesql) and rows per VALUES list. */
export const MAX_PARAMETERS = 2000;
export const MAX_VALUES_ROWS = 1000;

/** How many rows of `columns` columns fit in one parameterised multi-row INSERT. */
export function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.min(MAX_VALUES_ROWS, Math.floor(MAX_PARAMETERS / columns)));
}

/** `INSERT … VALUES (@p0, @p1, …), (…)` for `rows` rows; parameter `@pN` is value N in row-major order. */
export function insertValuesSql(table: string, columns: readonly string[], rows: number): string {
  if (rows > rowsPerInsert(columns.length)) throw new Error(`${rows} rows of ${columns.length} columns exceed SQL Server's limits for one INSERT`);
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) tuples.push(`(${columns.map((_, c) => `@p${r * columns.length + c}`).join(', ')})`);
  return `INSERT INTO ${dbo(table)} (${columns.map(bracket).join(', ')}) VALUES ${tuples.join(', ')};`;
}
