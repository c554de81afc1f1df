/**
 * Site backups (`/api/backup`, `.nsb`), optionally password-protected, with the guide's Retention
 * Count: after a backup is stored, only the N newest backups of that site are kept. Only backups
 * this destination wrote (listed in its manifest) are ever deleted; other files in the folder are
 * never touched.
 */
import { stat, unlink } from 'node:fs/promises';
import { extensionFor } from './artifact-fetcher.ts';
import { placeFile } from './conflict.ts';
import type { Manifest, ManifestEntry } from './manifest.ts';
import { containedJoin, type PathFlavor } from './path-safety.ts';
import { receiveUnlessSkipped, relativeName, type RecordingContext } from './recording-downloader.ts';
import { backupValues } from './replacement-values.ts';

export interface BackupOutcome {
  readonly outcome: 'created' | 'overwritten' | 'skipped';
  readonly path: string;
  readonly bytes: number;
  /** Older backups deleted by the retention count. */
  readonly removed: readonly string[];
}

/** What a recording download gets, plus the backup's own password and retention count. */
export interface BackupContext extends RecordingContext {
  readonly password: string | undefined;
  readonly retention: number | null;
}

export async function storeBackup(context: BackupContext): Promise<BackupOutcome> {
  const { settings, flavor, manifest, fetcher } = context;
  const download = await fetcher.fetchBackup(context.password === undefined ? {} : { password: context.password }, context.signal);
  const extension = extensionFor(download, 'nsb');
  const finalPath = containedJoin(settings.directory, settings.format.render(backupValues(fetcher.host, { extension, now: context.now })), flavor);
  const what = `site backup of ${fetcher.host}`;
  const temp = await receiveUnlessSkipped(download, finalPath, { conflict: settings.conflict, temps: context.temps, flavor, signal: context.signal, what });
  if (temp === undefined) return { outcome: 'skipped', path: finalPath, bytes: 0, removed: [] };
  const placed = await placeFile(temp.path, finalPath, settings.conflict);
  context.temps.release(temp.path);
  if (placed.outcome === 'skipped') return { outcome: 'skipped', path: placed.path, bytes: 0, removed: [] };
  const name = relativeName(settings.directory, placed.path, flavor);
  await manifest.record({ kind: 'backup', host: fetcher.host, lsid: name, instance: null, status: 'done', path: name, bytes: temp.bytes, at: context.now.toISOString() });
  const removed = context.retention === null ? [] : await applyRetention(settings.directory, manifest, fetcher.host, context.retention, flavor);
  return { outcome: placed.outcome, path: placed.path, bytes: temp.bytes, removed };
}

/** A manifest path under the folder; the manifest is a file anyone can edit, so it is checked like a report value. */
function backupFile(directory: string, name: string, flavor: PathFlavor): string | undefined {
  try {
    return containedJoin(directory, name.split('/'), flavor);
  } catch {
    return undefined;
  }
}

/** Deletes all but the `keep` newest backups of `host` that this destination wrote; returns their paths. */
export async function applyRetention(directory: string, manifest: Manifest, host: string, keep: number, flavor: PathFlavor): Promise<string[]> {
  const present: (ManifestEntry & { readonly status: 'done' })[] = [];
  for (const entry of manifest.entries('backup')) {
    if (entry.status !== 'done' || entry.host !== host) continue;
    const file = backupFile(directory, entry.path, flavor);
    const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
    if (info?.isFile() === true) present.push(entry);
  }
  // Newest first; entries are in the order they were recorded, which breaks ties in `at`.
  const ordered = present.map((entry, order) => ({ entry, order })).sort((a, b) => b.entry.at.localeCompare(a.entry.at) || b.order - a.order);
  const removed: string[] = [];
  for (const { entry } of ordered.slice(keep)) {
    const file = backupFile(directory, entry.path, flavor) as string;
    await unlink(file).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
    removed.push(file);
  }
  return removed;
}
