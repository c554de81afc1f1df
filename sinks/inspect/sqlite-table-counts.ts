/**
 * Rows per table of a SQLite database, read-only: what `sra-etl demo` prints after loading. Tables
 * whose name starts with `sqlite_` or `_` (internal, staging, schema version) are left out.
 */
import { DatabaseSync } from 'node:sqlite';

export function sqliteTableCounts(path: string): { readonly table: string; readonly rows: number }[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY rowid").all() as { name: string }[];
    return tables.map(({ name }) => {
      const row = db.prepare(`SELECT COUNT(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number };
      return { table: name, rows: Number(row.n) };
    });
  } finally {
    db.close();
  }
}
