/**
 * What the file destination has already stored, so a rerun neither downloads a complete recording
 * again (whatever name AppendNumber gave it) nor asks forever for one the appliance says has expired.
 *
 * One append-only JSON Lines file per data type folder: `<folder>/.sra-etl/manifest.jsonl`. A line is
 * appended (and fdatasynced) only after its file is complete and in place, so the manifest never
 * claims a file that is not there; later lines win; a torn last line from a crash is ignored. Lines
 * are small and appended with O_APPEND, so two processes can share a folder. The whole manifest is
 * indexed in memory at connect (about 150 bytes per recording).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The kinds of file the manifest tracks (session XML needs none: it is compared by content). */
export type ArtifactKind = 'recording' | 'shell-recording' | 'sms-recording' | 'backup';

/** What identifies one artifact on the appliance. `instance` is null for session recordings and backups. */
export interface ArtifactId {
  readonly kind: ArtifactKind;
  readonly host: string;
  /** The session's lsid; for a backup, the file's path (each backup is its own artifact). */
  readonly lsid: string;
  readonly instance: number | null;
}

export type ManifestEntry = ArtifactId & { readonly at: string } & (
    | { readonly status: 'done'; /** Relative to the data type folder, `/`-separated. */ readonly path: string; readonly bytes: number }
    /** The appliance answered with an `<error>` (expired recording, say): asking again will not help. */
    | { readonly status: 'expired'; readonly message: string }
    /** Another `<error>` answer; asked again on later runs up to a few attempts in all. */
    | { readonly status: 'unavailable'; readonly message: string; readonly attempts?: number }
  );

export function artifactKey(id: ArtifactId): string {
  return JSON.stringify([id.kind, id.host, id.lsid, id.instance]);
}

export class Manifest {
  readonly file: string;
  readonly #entries = new Map<string, ManifestEntry>();
  #handle: FileHandle | undefined;
  /** Lines that could not be read (a torn last line after a crash, or hand edits). */
  ignoredLines = 0;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'manifest.jsonl');
  }

  /** Opens the manifest and indexes it; calling it again does nothing. */
  async load(): Promise<void> {
    if (this.#handle !== undefined) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    this.#handle = await open(this.file, 'a');
    // A crash may have torn the last line: end it, so the next entry starts on a line of its own.
    const { size } = await this.#handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      const reader = await open(this.file, 'r');
      await reader.read(last, 0, 1, size - 1).finally(() => reader.close());
      if (last[0] !== 0x0a) await this.#handle.write('\n');
    }
    const lines = createInterface({ input: createReadStream(this.file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as ManifestEntry;
        if (typeof entry.kind !== 'string' || typeof entry.host !== 'string' || typeof entry.lsid !== 'string' || typeof entry.status !== 'string') throw new Error('bad entry');
        this.#entries.set(artifactKey(entry), entry);
      } catch {
        this.ignoredLines++;
      }
    }
  }

  get(id: ArtifactId): ManifestEntry | undefined {
    return this.#entries.get(artifactKey(id));
  }

  /** Every entry of a kind, oldest first. */
  entries(kind: ArtifactKind): ManifestEntry[] {
    return [...this.#entries.values()].filter((entry) => entry.kind === kind);
  }

  async record(entry: ManifestEntry): Promise<void> {
    if (this.#handle === undefined) throw new Error(`manifest ${this.file} is not open`);
    await this.#handle.write(`${JSON.stringify(entry)}\n`);
    await this.#handle.datasync();
    this.#entries.delete(artifactKey(entry));
    this.#entries.set(artifactKey(entry), entry);
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }
}
