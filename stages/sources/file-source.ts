/**
 * Report files from the local file system, for `replay`: paths and folders in, files in a
 * deterministic order out, each read as a stream of byte chunks (never whole into memory).
 *
 * A folder contributes every `*.xml` file below it (recursively, names compared by code point so
 * the order is the same on every machine and locale; hidden entries and temporary files skipped).
 * A file named explicitly is read whatever its extension. `-` is standard input.
 */
import { constants, createReadStream, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { addAbortSignal, type Readable } from 'node:stream';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, SourceError } from '../../src/errors.ts';

/**
 * Bytes per read: 64 KiB. Large enough that per-chunk costs vanish; small enough that the decoded
 * text is an ordinary young-generation string that dies as soon as it is parsed (256 KiB chunks
 * decode to large-object strings only a full GC frees: +15 MB peak RSS on a 200 MB replay).
 */
export const CHUNK_BYTES = 1 << 16;

export const STDIN = '-';

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Expands `inputs` into the files to read, in order. Missing paths and empty folders are usage errors. */
export async function listReportFiles(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    if (input === STDIN) {
      files.push(STDIN);
      continue;
    }
    const info = await stat(input).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new ConfigError(`${input}: no such file or folder`, { code: 'usage' });
      throw new SourceError(`${input}: ${error.message}`, 'io', { cause: error });
    });
    if (info.isDirectory()) {
      const found = await xmlFilesBelow(input);
      if (found.length === 0) throw new ConfigError(`${input}: the folder holds no .xml report files`, { code: 'usage' });
      files.push(...found);
    } else {
      files.push(input);
    }
  }
  return files;
}

async function xmlFilesBelow(folder: string): Promise<string[]> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => byCodePoint(a.name, b.name));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue; // hidden: temp files, the file sink's .sra-etl state
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await xmlFilesBelow(full)));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.xml')) files.push(full);
  }
  return files;
}

/** The file's bytes as chunks of up to {@link CHUNK_BYTES}; read errors become SourceErrors naming the file. */
export async function* readFileChunks(file: string, options: { readonly chunkBytes?: number; readonly signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
  try {
    const stream = file === STDIN ? process.stdin : await openForReading(file, options.chunkBytes ?? CHUNK_BYTES);
    // Cancelling stops a read that is waiting too (standard input or a named pipe may never send more).
    if (options.signal) addAbortSignal(options.signal, stream);
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw readError(file, error);
  }
}

/**
 * A regular file is read through libuv's thread pool. A named pipe (`replay /path/to/fifo`) is read
 * through a socket on a non-blocking descriptor instead: a pool thread blocked on a FIFO whose writer
 * is silent cannot be interrupted, and Node waits for it at exit, so a cancelled replay would hang
 * until that writer went away. On Linux a non-blocking FIFO reports no end before a writer has come
 * and gone, so the socket waits for the writer just as a blocking open would.
 */
async function openForReading(file: string, chunkBytes: number): Promise<Readable> {
  if (process.platform === 'linux' && (await stat(file)).isFIFO()) {
    // openSync: a non-blocking open returns at once; the socket owns the descriptor and closes it.
    return new Socket({ fd: openSync(file, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
  }
  return createReadStream(file, { highWaterMark: chunkBytes });
}

/** A failed read as the error replay reports: the file and, in words, why. */
function readError(file: string, error: unknown): SourceError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a folder' : (error as Error).message;
  return new SourceError(`cannot read ${file}: ${why}`, 'io', { cause: error });
}

/**
 * A regular file's bytes as views of one buffer that every read refills: nothing to collect, for a
 * consumer that copies what it keeps before asking for more (the session splitter does). Errors as
 * {@link readFileChunks}.
 */
export async function* readFileReusingBuffer(file: string, options: { readonly chunkBytes?: number; readonly signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
  const buffer = Buffer.allocUnsafeSlow(options.chunkBytes ?? 1 << 20);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    for (;;) {
      options.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } catch (error) {
    if (options.signal?.aborted === true || !(error as NodeJS.ErrnoException).code) throw error;
    throw readError(file, error);
  } finally {
    await handle?.close();
  }
}
