/**
 * JSON Lines destination (`--to jsonl:<path>` or `jsonl:-`): one record per line, each with its
 * `kind` and (for session records) its session `key`, in the report's order: a session, then its
 * events, system information, users, customers, teams, custom attributes and surveys
 * (flattenBundle), and listing rows and appliance errors where they appeared.
 *
 * A file is written to a temporary name beside the target, fsynced and renamed into place only by
 * `close()`; `abort()` (or a crash) leaves no partial output under the target name. `-` streams to
 * standard output instead, respecting its backpressure; a reader that goes away (`| head`) ends the
 * run with a `sink_write` error whose `cause.code` is `EPIPE`.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { ConfigError, SinkWriteError } from '../../src/errors.ts';
import { flattenBundle, type SessionBundle } from '../../src/records.ts';
import type { BatchResult, BundleSink, LooseRecord } from '../../src/stage.ts';

/** Output is collected into strings of about this many characters (64 Ki) before each write. */
const WRITE_CHUNK_CHARS = 1 << 16;

/** Every record of the batch, bundle after bundle, each in flattenBundle's order. */
function* recordsOf(batch: readonly SessionBundle[]): Generator<object> {
  for (const bundle of batch) yield* flattenBundle(bundle);
}

export type JsonlTarget = { readonly path: string } | { readonly stream: Writable; readonly name: string };

export class JsonlSink implements BundleSink {
  readonly type = 'jsonl';
  /**
   * Lines carry no transaction, so batches only cost memory: sessions held a moment longer are
   * promoted to V8's old generation. 5 keeps a 200 MB replay at ~155 MB peak RSS (50: ~190 MB).
   */
  readonly preferredBatchSessions = 5;
  readonly #target: JsonlTarget;
  #temp: string | undefined;
  #file: FileHandle | undefined;
  #connected = false;
  #closed = false;
  /** The last write queued: the next one starts after it. */
  #writing: Promise<void> = Promise.resolve();
  /** Records written so far (lines). */
  lines = 0;

  constructor(target: JsonlTarget) {
    this.#target = target;
    // A reader that goes away (`| head`) makes the stream emit EPIPE, possibly between our writes;
    // without a listener that would crash the process instead of failing the next write.
    if ('stream' in target) target.stream.on('error', () => undefined);
  }

  /** Where the lines go, for messages: the file path or `<stdout>`. */
  get destination(): string {
    return 'path' in this.#target ? this.#target.path : this.#target.name;
  }

  async connect(): Promise<void> {
    if (this.#connected) return;
    this.#connected = true;
    if (!('path' in this.#target)) return;
    const target = this.#target.path;
    const folder = path.dirname(target);
    const info = await stat(target).catch(() => undefined);
    if (info?.isDirectory()) throw new ConfigError(`--to jsonl:${target}: is a folder; give a file name, e.g. jsonl:${path.join(target, 'sessions.jsonl')}`, { code: 'usage' });
    this.#temp = path.join(folder, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      this.#file = await open(this.#temp, 'wx');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? `the folder ${folder} does not exist` : code === 'EACCES' ? `no permission to write in ${folder}` : String((error as Error).message);
      throw new SinkWriteError(`cannot write ${target}: ${why}`, 'io', { cause: error });
    }
  }

  async writeBatch(batch: readonly SessionBundle[]): Promise<BatchResult> {
    await this.#enqueue(this.#jsonLines(recordsOf(batch)));
    return { written: batch.length, rejected: [] };
  }

  async writeRecords(records: readonly LooseRecord[]): Promise<void> {
    await this.#enqueue(this.#jsonLines(records));
  }

  /** One line per record, in strings of about WRITE_CHUNK_CHARS (a write each); counts the lines. */
  #jsonLines(records: Iterable<object>): string[] {
    const texts: string[] = [];
    let text = '';
    for (const record of records) {
      text += `${JSON.stringify(record)}\n`;
      this.lines++;
      if (text.length >= WRITE_CHUNK_CHARS) {
        texts.push(text);
        text = '';
      }
    }
    texts.push(text);
    return texts;
  }

  /**
   * Writes in call order: loadReport may have two batches in flight, and lines must still come out
   * in the report's order. Each call's text is fixed before it waits, so the order is the calls'.
   */
  #enqueue(texts: readonly string[]): Promise<void> {
    const written = this.#writing.then(async () => {
      for (const text of texts) await this.#write(text);
    });
    this.#writing = written.catch(() => undefined);
    return written;
  }

  /** Makes the output durable and visible: fsync, then rename over the target. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writing;
    if ('stream' in this.#target) {
      await this.#write('');
      return;
    }
    const file = this.#file;
    const temp = this.#temp;
    this.#file = undefined;
    if (file === undefined || temp === undefined) return;
    try {
      await file.sync();
      await file.close();
      await rename(temp, this.#target.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw new SinkWriteError(`cannot finish ${this.#target.path}: ${(error as Error).message}`, 'io', { cause: error });
    }
  }

  /** Drops the temporary file: nothing appears under the target name. Safe to call twice. */
  async abort(): Promise<void> {
    this.#closed = true;
    const file = this.#file;
    this.#file = undefined;
    await file?.close().catch(() => undefined);
    if (this.#temp !== undefined) await rm(this.#temp, { force: true });
  }

  async #write(text: string): Promise<void> {
    if ('stream' in this.#target) {
      await writeToStream(this.#target.stream, text, this.#target.name);
      return;
    }
    if (text === '') return;
    if (this.#file === undefined) throw new SinkWriteError(`${this.#target.path}: written after close or before connect`, 'internal');
    try {
      await this.#file.write(text);
    } catch (error) {
      throw new SinkWriteError(`cannot write ${this.#target.path}: ${(error as Error).message}`, 'io', { cause: error });
    }
  }
}

/** Writes and waits until the stream has taken it (its buffer drained), so a slow reader slows us. */
function writeToStream(stream: Writable, text: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      stream.off('error', fail);
      reject(new SinkWriteError(`cannot write to ${name}: ${error.message}`, 'io', { cause: error }));
    };
    if (stream.destroyed || stream.writableEnded) {
      fail(Object.assign(new Error('the stream is closed'), { code: 'EPIPE' }));
      return;
    }
    stream.once('error', fail);
    stream.write(text, (error) => {
      stream.off('error', fail);
      if (error) fail(error);
      else resolve();
    });
  });
}

/** `jsonl:-` (standard output) or `jsonl:<file>`. */
export function openJsonlDestination(spec: string): JsonlSink {
  const target = spec.slice('jsonl:'.length);
  if (target === '') throw new ConfigError('--to jsonl: needs a file name, or - for standard output (jsonl:-)', { code: 'usage' });
  if (target === '-') return new JsonlSink({ stream: process.stdout, name: 'standard output' });
  return new JsonlSink({ path: path.resolve(target) });
}
