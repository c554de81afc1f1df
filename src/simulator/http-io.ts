/**
 * Low-level response writing for the simulator: headers that mark it as a simulator and carry the
 * appliance clock, request bodies, and body streaming that respects backpressure and applies the
 * body faults (reset, truncate, slow).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from './faults.ts';

export const SIMULATOR_HEADER = 'sra-etl simulator (synthetic data, not a BeyondTrust appliance)';

/** Headers every simulator response carries; `Date` is the simulated appliance clock. */
export function baseHeaders(applianceNowMs: number): Record<string, string> {
  return { server: 'sra-etl-simulator', 'x-simulator': SIMULATOR_HEADER, date: new Date(applianceNowMs).toUTCString() };
}

/** Reads a request body up to `limit` bytes (forms and JSON are small). */
export async function readRequestBody(request: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function waitForDrain(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface BodyResult {
  readonly bytes: number;
  /** Whether a body fault cut the response short. */
  readonly cut: boolean;
}

/**
 * Streams `chunks` as the body (headers must already be set). `reset` destroys the connection after
 * `afterBytes`; `truncate` ends the response cleanly there (with a Content-Length the connection is
 * closed as well, as a proxy that gave up would); `slow` delays each of the first chunks.
 */
export async function sendBody(response: ServerResponse, chunks: Iterable<string | Buffer>, fault: Fault | undefined): Promise<BodyResult> {
  let sent = 0;
  let slowChunks = fault?.kind === 'slow' ? 10 : 0;
  const cutAt = fault?.kind === 'reset' || fault?.kind === 'truncate' ? (fault.afterBytes ?? 2048) : Number.POSITIVE_INFINITY;
  for (const chunk of chunks) {
    if (response.destroyed) return { bytes: sent, cut: true };
    let buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (sent + buffer.length >= cutAt) {
      buffer = buffer.subarray(0, cutAt - sent);
      sent += buffer.length;
      if (fault?.kind === 'reset') {
        response.write(buffer);
        // Let the partial bytes leave before the reset, as when a link drops mid-transfer.
        await sleep(5);
        response.socket?.resetAndDestroy();
      } else {
        response.end(buffer);
        if (response.hasHeader('content-length')) response.socket?.destroySoon();
      }
      return { bytes: sent, cut: true };
    }
    if (slowChunks > 0) {
      slowChunks--;
      await sleep(fault?.delayMs ?? 200);
    }
    sent += buffer.length;
    if (!response.write(buffer)) await waitForDrain(response);
  }
  response.end();
  return { bytes: sent, cut: false };
}
