/**
 * The worker-thread side of parse-in-worker.ts: runs the same ReportStreamParser as the in-thread
 * parser on chunks the caller sends, and posts the items of each chunk back as one message.
 *
 * Flow control: it asks for a chunk (`pull`) only while fewer than `maxBatchesAhead` of its item
 * messages are waiting unconsumed in the caller, so a slow consumer stops the reading, and memory
 * on both sides stays bounded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ParseError } from '../../src/errors.ts';
import { ReportStreamParser } from './report-stream-parser.ts';
import { toWire, toWireError, type FromWorker, type ToWorker, type WorkerStart } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('parser-worker.ts runs as a worker thread (see parse-in-worker.ts)');
const start = workerData as WorkerStart;
const parser = new ReportStreamParser(start.options);
let unconsumed = 0;
let chunksAhead = 0;
let finished = false;

const post = (message: FromWorker) => port.postMessage(message);

function flush(): void {
  const items = parser.take();
  if (items.length === 0) return;
  unconsumed++;
  post({ type: 'items', items: items.map(toWire) });
}

function fail(error: unknown): void {
  finished = true;
  flush();
  post({ type: 'failed', error: error instanceof ParseError ? toWireError(error) : { message: String((error as Error).message ?? error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) } });
}

/** Ask for more input while the caller keeps up and fewer than the allowed chunks are on their way. */
function pullMore(): void {
  while (!finished && unconsumed < start.maxBatchesAhead && chunksAhead < start.maxChunksAhead) {
    chunksAhead++;
    post({ type: 'pull' });
  }
}

port.on('message', (message: ToWorker) => {
  if (finished) return;
  switch (message.type) {
    case 'chunk':
      chunksAhead--;
      try {
        parser.write(message.chunk);
      } catch (error) {
        fail(error);
        return;
      }
      flush();
      pullMore();
      break;
    case 'end':
      try {
        parser.end();
      } catch (error) {
        fail(error);
        return;
      }
      finished = true;
      flush();
      post({ type: 'done' });
      break;
    case 'stop':
      finished = true;
      flush();
      post({ type: 'done' });
      break;
    case 'ack':
      unconsumed--;
      pullMore();
      break;
  }
});

pullMore();
