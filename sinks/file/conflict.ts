/**
 * The guide's File Name Conflict Handling, applied when a finished temporary file is moved to its
 * final name:
 * - AppendNumber: if the name exists, a number is inserted just before the last period of the file
 *   name, the smallest that makes it unique (`…-1234.flv` → `…-1234.1.flv` → `…-1234.2.flv`).
 * - Overwrite: the existing file's contents are replaced by the newly downloaded data.
 * - Skip: the existing file is kept and no new file is created.
 *
 * Names are claimed with `link()`, which fails if the name exists, so two writers (threads or
 * processes) can never both take the same name and a reader never sees a half-written file. Where
 * the file system has no hard links (FAT, some SMB shares) the name is claimed by an exclusive create
 * and the complete file renamed over the claim.
 */
import { link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, SinkWriteError } from '../../src/errors.ts';

export const CONFLICT_HANDLING = ['AppendNumber', 'Overwrite', 'Skip'] as const;
export type ConflictHandling = (typeof CONFLICT_HANDLING)[number];

/** Accepts the guide's spelling in any case (`appendnumber`, `OVERWRITE`); names the key when it is none of them. */
export function parseConflictHandling(value: string, configKey: string): ConflictHandling {
  const found = CONFLICT_HANDLING.find((option) => option.toLowerCase() === value.trim().toLowerCase());
  if (found === undefined) throw new ConfigError(`${configKey} ${JSON.stringify(value)}: unknown conflict handling; use ${CONFLICT_HANDLING.join(', ')}`);
  return found;
}

/**
 * `name` with `number` inserted before the last period of its file name (never of a folder name):
 * `a/b.c/x-1.flv`, 2 → `a/b.c/x-1.2.flv`. A name without a period gets `.number` at the end.
 */
export function appendNumber(name: string, number: number): string {
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const dot = name.lastIndexOf('.');
  if (dot <= slash + 1) return `${name}.${number}`;
  return `${name.slice(0, dot)}.${number}${name.slice(dot)}`;
}

/** Candidate names in the order AppendNumber tries them: the name itself, then `.1`, `.2`, … */
export function* appendNumberCandidates(name: string, limit = 100_000): Generator<string> {
  yield name;
  for (let n = 1; n <= limit; n++) yield appendNumber(name, n);
}

export type Placement =
  | { readonly outcome: 'created'; readonly path: string }
  | { readonly outcome: 'overwritten'; readonly path: string }
  | { readonly outcome: 'skipped'; readonly path: string };

const errnoCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Takes `target` for the complete file at `tempPath` without ever replacing an existing file.
 * Resolves false if the name is taken. The temporary file is left in place; the caller removes it.
 */
async function claim(tempPath: string, target: string): Promise<boolean> {
  try {
    await link(tempPath, target);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(errnoCode(error) ?? '')) throw error;
  }
  // No hard links here: claim the name with an exclusive create, then move the data over the claim.
  let handle;
  try {
    handle = await open(target, 'wx');
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  await handle.close();
  await rename(tempPath, target);
  return true;
}

async function removeQuietly(file: string): Promise<void> {
  await unlink(file).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
}

/**
 * Moves the complete file at `tempPath` to `finalPath` (or, for AppendNumber, the first free
 * numbered name) according to `policy`. The temporary file is gone afterwards in every outcome.
 * The final folder must exist.
 */
export async function placeFile(tempPath: string, finalPath: string, policy: ConflictHandling): Promise<Placement> {
  try {
    if (policy === 'Overwrite') {
      const existed = !(await claim(tempPath, finalPath));
      // rename() replaces atomically: readers see the old file or the new one, never a mix.
      if (existed) await rename(tempPath, finalPath);
      return { outcome: existed ? 'overwritten' : 'created', path: finalPath };
    }
    if (policy === 'Skip') {
      return (await claim(tempPath, finalPath)) ? { outcome: 'created', path: finalPath } : { outcome: 'skipped', path: finalPath };
    }
    for (const candidate of appendNumberCandidates(finalPath)) {
      if (await claim(tempPath, candidate)) return { outcome: 'created', path: candidate };
    }
    throw new SinkWriteError(`${finalPath}: no free AppendNumber name up to .100000; clean up the folder ${path.dirname(finalPath)}`, 'sink_write');
  } finally {
    await removeQuietly(tempPath);
  }
}
