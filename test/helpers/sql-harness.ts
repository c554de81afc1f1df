/**
 * Real databases for the SQL sink contract suite: SQLite files in a temp dir, databases in the
 * embedded PostgreSQL of the vitest run (test/setup/postgres-global-setup.ts), and SQL Server when
 * MSSQL_URL is set. Each `freshSpec()` names a database that does not exist yet, so every test also
 * exercises "create the database and its schema on first load".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import sql from 'mssql';
import { TABLES } from '../../sinks/sql/schema.ts';

export type Dialect = 'sqlite' | 'postgres' | 'mssql';

export interface SqlHarness {
  readonly dialect: Dialect;
  /** A destination spec for a database that does not exist yet; `query` is appended as `?query`. */
  freshSpec(query?: string): string;
  /** Runs a query on the database of `spec`. */
  query<T extends Record<string, unknown>>(spec: string, text: string): Promise<T[]>;
  /** Quotes an identifier for this dialect. */
  quote(name: string): string;
  dispose(): Promise<void>;
}

/** Rows per schema table. */
export async function tableCounts(harness: SqlHarness, spec: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const rows = await harness.query<{ n: number | string }>(spec, `SELECT count(*) AS n FROM ${harness.quote(table.name)}`);
    counts[table.name] = Number(rows[0]?.n ?? NaN);
  }
  return counts;
}

const uniqueName = (): string => `sra_test_${randomBytes(5).toString('hex')}`;

export function sqliteHarness(): SqlHarness {
  const dir = mkdtempSync(join(tmpdir(), 'sra-sqlite-'));
  return {
    dialect: 'sqlite',
    freshSpec: (query) => `sqlite:${join(dir, `${uniqueName()}.db`)}${query === undefined ? '' : `?${query}`}`,
    async query<T>(spec: string, text: string): Promise<T[]> {
      const path = spec.replace(/^sqlite:/, '').replace(/\?.*$/, '');
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        return db.prepare(text).all() as T[];
      } finally {
        db.close();
      }
    },
    quote: (name) => `"${name}"`,
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function postgresHarness(baseUrl: string): SqlHarness {
  const created: string[] = [];
  const dbOf = (spec: string) => new URL(spec).pathname.slice(1);
  return {
    dialect: 'postgres',
    freshSpec(query) {
      const name = uniqueName();
      created.push(name);
      return `${baseUrl}/${name}${query === undefined ? '' : `?${query}`}`;
    },
    async query<T extends Record<string, unknown>>(spec: string, text: string): Promise<T[]> {
      const client = new pg.Client({ connectionString: `${baseUrl}/${dbOf(spec)}` });
      await client.connect();
      try {
        return (await client.query<T>(text)).rows;
      } finally {
        await client.end();
      }
    },
    quote: (name) => `"${name}"`,
    async dispose() {
      const client = new pg.Client({ connectionString: `${baseUrl}/postgres` });
      await client.connect();
      try {
        for (const name of created) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** `MSSQL_URL` = mssql://user:pass@host:port/anydb?encrypt=false&trustServerCertificate=true */
export function mssqlHarness(url: string): SqlHarness {
  const created: string[] = [];
  const base = new URL(url);
  const specFor = (name: string, query?: string) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    if (query !== undefined) for (const [k, v] of new URLSearchParams(query)) u.searchParams.set(k, v);
    return u.toString();
  };
  const config = (database: string): sql.config => ({
    server: base.hostname, port: base.port === '' ? 1433 : Number(base.port), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password), database,
    options: { encrypt: base.searchParams.get('encrypt') !== 'false', trustServerCertificate: base.searchParams.get('trustServerCertificate') === 'true' },
  });
  return {
    dialect: 'mssql',
    freshSpec(query) {
      const name = uniqueName();
      created.push(name);
      return specFor(name, query);
    },
    async query<T>(spec: string, text: string): Promise<T[]> {
      const pool = await new sql.ConnectionPool(config(decodeURIComponent(new URL(spec).pathname.slice(1)))).connect();
      try {
        return (await pool.request().query(text)).recordset as T[];
      } finally {
        await pool.close();
      }
    },
    quote: (name) => `[${name}]`,
    async dispose() {
      const pool = await new sql.ConnectionPool(config('master')).connect();
      try {
        for (const name of created) await pool.request().batch(`IF DB_ID(N'${name}') IS NOT NULL BEGIN ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${name}]; END`);
      } finally {
        await pool.close();
      }
    },
  };
}
