/**
 * Temporary files for downloads and session XML, kept in `<data type folder>/.sra-etl/tmp/` so the
 * final rename (or link) stays on one file system. A file there is never a result: it is renamed into
 * place only once complete, length-checked and fsynced. Names carry the writer's host and process id
 * (`<host-hash>-<pid>-<random>.partial`), so a later run can tell a crashed writer's leftovers from a
 * download another live process is still making.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SinkWriteError, SourceError } from '../../src/errors.ts';
import { processIsAlive } from '../../src/scheduler/process-identity.ts';

/** A leftover from another host (a shared folder) is removed only when untouched for this long: 24 hours. */
export const FOREIGN_TEMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const TEMP_NAME = /^([0-9a-f]{8})-(\d+)-[0-9a-f]+\.partial$/;

/** Runs a file operation; its failure is the destination's (disk full, permissions), not the download's. */
async function destinationIo<T>(file: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new SinkWriteError(`cannot write ${file}: ${(error as Error).message}`, 'io', { cause: error, retriable: true });
  }
}

/**
 * Frees a written chunk's memory now instead of at V8's next collection. Streaming, each chunk is a
 * fresh 64 KiB ArrayBuffer, and V8 collects dead ones only when tens of megabytes have piled up;
 * detaching each once it is on disk keeps the peak about 25 MB lower. Only a chunk that owns its
 * whole ArrayBuffer is released (a slice of a shared one, e.g. from a decompressor, is left alone);
 * the sink is the body's only reader (see Download.body), so nobody else can still be using it.
 */
function releaseChunk(chunk: Uint8Array): void {
  const buffer = chunk.buffer;
  if (!(buffer instanceof ArrayBuffer) || chunk.byteOffset !== 0 || chunk.byteLength !== buffer.byteLength || buffer.byteLength < 16 * 1024) return;
  try {
    buffer.transfer(0);
  } catch {
    // Not detachable (e.g. backed by WebAssembly memory): the collector will free it.
  }
}

export interface WrittenTemp {
  readonly path: string;
  readonly bytes: number;
}

/** Temp files of every TempFiles in this process: two sinks sharing a folder must not clean each other's. */
const processOwned = new Set<string>();

export class TempFiles {
  readonly dir: string;
  readonly #owned = new Set<string>();

  constructor(dir: string) {
    this.dir = dir;
  }

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  #newPath(): string {
    const file = path.join(this.dir, `${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}.partial`);
    this.#owned.add(file);
    processOwned.add(file);
    return file;
  }

  /** Forget a temp file that has been moved into place (or removed). */
  release(file: string): void {
    this.#owned.delete(file);
    processOwned.delete(file);
  }

  /** Writes `data` to a new temporary file and fsyncs it. */
  async writeBuffer(data: Uint8Array): Promise<WrittenTemp> {
    const file = this.#newPath();
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, 'wx');
      await handle.writeFile(data);
      await handle.sync();
      await handle.close();
      handle = undefined;
      return { path: file, bytes: data.byteLength };
    } catch (error) {
      await handle?.close().catch(() => {});
      await this.remove(file);
      throw new SinkWriteError(`cannot write ${file}: ${(error as Error).message}`, 'io', { cause: error, retriable: true });
    }
  }

  /**
   * Streams `body` into a new temporary file chunk by chunk (memory stays at one chunk whatever
   * the size), checks the byte count against `expectedLength` when given, and fsyncs. On any
   * failure, cancellation included, the temporary file is removed and the body destroyed.
   */
  async writeStream(body: Readable, options: { readonly expectedLength?: number; readonly signal?: AbortSignal; readonly what: string }): Promise<WrittenTemp> {
    const file = this.#newPath();
    let handle: FileHandle | undefined;
    let bytes = 0;
    const onAbort = () => body.destroy(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      options.signal?.throwIfAborted();
      const opened = await destinationIo(file, () => open(file, 'wx'));
      handle = opened;
      for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        bytes += data.byteLength;
        // Position-less writes append; awaiting each keeps exactly one chunk in flight.
        await destinationIo(file, () => opened.write(data));
        releaseChunk(data);
      }
      if (options.expectedLength !== undefined && bytes !== options.expectedLength) {
        throw new SourceError(`${options.what}: received ${bytes} bytes but the appliance announced ${options.expectedLength} (Content-Length); the download was cut short and will be fetched again`, 'network');
      }
      await destinationIo(file, () => opened.sync());
      await opened.close();
      handle = undefined;
      return { path: file, bytes };
    } catch (error) {
      body.destroy();
      await handle?.close().catch(() => {});
      await this.remove(file);
      if (options.signal?.aborted) throw options.signal.reason;
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async remove(file: string): Promise<void> {
    this.release(file);
    await unlink(file).catch(() => {});
  }

  /** Removes every temporary file this instance still owns (abort). */
  async removeOwned(): Promise<void> {
    await Promise.all([...this.#owned].map((file) => this.remove(file)));
  }

  /**
   * Removes leftovers of crashed runs: files written by a process of this host that is no longer
   * running, and files from elsewhere untouched for {@link FOREIGN_TEMP_MAX_AGE_MS}. A download
   * another live process is making is left alone. Returns the names removed.
   */
  async cleanStale(now = Date.now()): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const removed: string[] = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (processOwned.has(file)) continue;
      const match = TEMP_NAME.exec(name);
      let stale: boolean;
      if (match !== null && match[1] === HOST_TAG) {
        const pid = Number(match[2]);
        stale = pid === process.pid || !processIsAlive(pid);
      } else {
        const info = await stat(file).catch(() => null);
        stale = info !== null && info.isFile() && now - info.mtimeMs > FOREIGN_TEMP_MAX_AGE_MS;
      }
      if (stale) {
        await unlink(file).catch(() => {});
        removed.push(name);
      }
    }
    return removed;
  }
}
