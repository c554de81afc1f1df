/**
 * The guide's Log File Removal: "delete log files older than N days". Rotation itself is pino-roll's
 * (daily or hourly, and by size); this removes whole files by age, so what is kept is a time span,
 * whatever the volume.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Base name of the rotating files: `sra-etl.2024-05-01.1.log`. */
export const LOG_FILE_BASE = 'sra-etl';
const LOG_FILE = /^sra-etl\..*\.log$/;

/**
 * Deletes `sra-etl.*.log` files in `directory` last modified more than `days` days before `now`,
 * except `keep` (the file being written). Returns the names removed. `days` 0 removes nothing.
 */
export async function deleteOldLogFiles(directory: string, days: number, now: Date = new Date(), keep?: string): Promise<string[]> {
  if (days <= 0) return [];
  const cutoff = now.getTime() - days * 86_400_000;
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!LOG_FILE.test(name)) continue;
    const path = join(directory, name);
    if (keep !== undefined && path === keep) continue;
    try {
      const info = await stat(path);
      if (info.isFile() && info.mtimeMs < cutoff) {
        await unlink(path);
        removed.push(name);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return removed.sort();
}
