/**
 * The parser in a worker thread: same input, same options, same items in the same order, same
 * errors as {@link parseReport} (both drive ReportStreamParser), but the XML work happens on another
 * core, so a destination's writes overlap with parsing.
 *
 * Bounded both ways: the caller reads at most `maxChunksAhead` input chunks ahead of the parser,
 * and the worker stops asking for input while `maxBatchesAhead` of its item messages (one per input
 * chunk) wait unconsumed; a slow consumer therefore slows the reading, and memory stays flat.
 * Closing the generator early (break, return, an error) terminates the worker.
 *
 * @example
 * for await (const item of parseReportInWorker(readFileChunks('report.xml'), { source: 'report.xml' })) …
 */
import { Worker } from 'node:worker_threads';
import { EtlError } from '../../src/errors.ts';
import type { ReportItem } from '../../src/records.ts';
import type { ParseReportOptions } from './report-stream-parser.ts';
import { fromWire, fromWireError, type FromWorker, type ToWorker, type WorkerStart } from './worker-protocol.ts';

export interface WorkerParseOptions extends ParseReportOptions {
  /** Item messages (one per input chunk) that may wait unconsumed in this thread. Default 4. */
  readonly maxBatchesAhead?: number;
  /** Input chunks sent ahead of the parser. Default 2 (one being parsed, one waiting). */
  readonly maxChunksAhead?: number;
}

const WORKER_URL = new URL('./parser-worker.ts', import.meta.url);
/**
 * The worker's young generation, in MB. Parsing allocates fast, and V8 would grow it to over 100 MB
 * (all of it resident); 16 MB keeps the worker flat at no measurable cost in throughput.
 */
const YOUNG_GENERATION_MB = 16;

export async function* parseReportInWorker(bytes: AsyncIterable<Uint8Array | string>, options: WorkerParseOptions): AsyncGenerator<ReportItem> {
  const { maxBatchesAhead = 4, maxChunksAhead = 2, ...parseOptions } = options;
  const start: WorkerStart = { options: parseOptions, maxBatchesAhead: Math.max(1, maxBatchesAhead), maxChunksAhead: Math.max(1, maxChunksAhead) };
  const worker = new Worker(WORKER_URL, { workerData: start, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
  const inbox: FromWorker[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const deliver = (message: FromWorker) => {
    inbox.push(message);
    wake?.();
  };
  worker.on('message', deliver);
  worker.on('error', (error) => deliver({ type: 'failed', error: { message: error.message, ...(error.stack ? { stack: error.stack } : {}) } }));
  worker.on('exit', (code) => {
    if (!finished) deliver({ type: 'failed', error: { message: `the parser worker stopped unexpectedly (exit code ${code})` } });
  });
  const send = (message: ToWorker) => worker.postMessage(message);

  const input = bytes[Symbol.asyncIterator]();
  let inputDone = false;
  let sourceError: unknown;
  let reading: Promise<void> = Promise.resolve();
  // Reads are chained, so chunks reach the worker in order however many pulls arrive at once.
  const readOne = async (): Promise<void> => {
    if (inputDone) return;
    try {
      const next = await input.next();
      if (next.done) {
        inputDone = true;
        send({ type: 'end' });
      } else {
        send({ type: 'chunk', chunk: next.value });
      }
    } catch (error) {
      inputDone = true;
      sourceError = error;
      send({ type: 'stop' });
    }
  };

  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const message = inbox.shift() as FromWorker;
      if (message.type === 'pull') {
        reading = reading.then(readOne);
      } else if (message.type === 'items') {
        for (const item of message.items) yield fromWire(item);
        send({ type: 'ack' });
      } else if (message.type === 'done') {
        finished = true;
        if (sourceError !== undefined) throw sourceError;
        return;
      } else {
        finished = true;
        const { error } = message;
        if ('reason' in error) throw fromWireError(error);
        throw new EtlError(`the report parser failed: ${error.message}`, 'internal', 'processing', { cause: Object.assign(new Error(error.message), { stack: error.stack }) });
      }
    }
  } finally {
    finished = true;
    // Stop the input (a file stream closes); do not wait on a read that may never end (stdin).
    if (!inputDone) void Promise.resolve(input.return?.()).catch(() => undefined);
    await worker.terminate();
  }
}
