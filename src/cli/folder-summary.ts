/** Files per folder under a root (count and bytes), for `sra-etl demo`'s "what landed". */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface FolderSummary {
  /** Relative to the root; `.` for files directly in it. */
  readonly folder: string;
  readonly files: number;
  readonly bytes: number;
}

/** Walks `root` (temporary files `*.tmp*` and dot-files excluded). Missing root: empty list. */
export async function summarizeFolder(root: string): Promise<FolderSummary[]> {
  const totals = new Map<string, { files: number; bytes: number }>();
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name.includes('.tmp')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const folder = relative(root, dir) || '.';
        const total = totals.get(folder) ?? { files: 0, bytes: 0 };
        total.files++;
        total.bytes += (await stat(path)).size;
        totals.set(folder, total);
      }
    }
  };
  await walk(root);
  return [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([folder, t]) => ({ folder, ...t }));
}
