/**
 * A response body as the consumer reads it: chunks pass straight through (never buffered whole),
 * a stall longer than the idle timeout while the consumer is *waiting* for data fails the read (a slow
 * sink downstream is not a stall), and a body shorter than its Content-Length fails instead of ending
 * quietly, so a cut connection can never pass for a complete report or recording.
 */
import { Readable } from 'node:stream';
import { SourceError } from '../../../src/errors.ts';
import { STAGE } from '../../../src/telemetry/attributes.ts';
import { countBytes } from '../../../src/telemetry/metrics.ts';
import { networkFailure } from './http-failure.ts';

export interface GuardOptions {
  readonly idleTimeoutMs: number;
  /** Bytes the server announced, when the body is not content-encoded. */
  readonly expectedBytes: number | undefined;
  readonly site: string;
  readonly call: string;
}

class IdleTimeout extends Error {
  override readonly name = 'TimeoutError';
  readonly event = 'idle';
}

async function* guardedChunks(source: Readable, options: GuardOptions): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let received = 0;
  let finished = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const pending = iterator.next();
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new IdleTimeout(`no data for ${options.idleTimeoutMs} ms`)), options.idleTimeoutMs);
      });
      let next: IteratorResult<Buffer>;
      try {
        next = await Promise.race([pending, idle]);
      } catch (error) {
        pending.catch(() => {}); // the destroyed source rejects it later; nobody is waiting any more
        throw networkFailure(error, options.site, `${options.call} (after ${received} bytes)`);
      } finally {
        clearTimeout(timer);
      }
      if (next.done) break;
      received += next.value.length;
      yield next.value;
    }
    finished = true;
  } finally {
    if (!finished) source.destroy();
    countBytes(STAGE.receive, received); // metric etl.bytes{etl.stage=receive}: every body byte the appliance sent
  }
  if (options.expectedBytes !== undefined && received !== options.expectedBytes) {
    throw new SourceError(
      `${options.site}: ${options.call}: the connection ended after ${received} of ${options.expectedBytes} bytes; the body is incomplete (a proxy or the appliance cut it). Run again to fetch it whole.`,
      'network',
    );
  }
}

/** Wraps a raw response stream; the result is a byte stream (`objectMode: false`) of Buffers. */
export function guardBody(source: Readable, options: GuardOptions): Readable {
  return Readable.from(guardedChunks(source, options), { objectMode: false, highWaterMark: 64 * 1024 });
}
