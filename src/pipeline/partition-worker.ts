/**
 * One partition of a partitioned load (partitioned-load.ts), in its own thread: the sessions whose
 * key falls in this partition arrive as bytes of a small document of their own (the report's prolog,
 * the sessions, the closing root tag), and run through the same parser, loadReport and destination
 * as a one-thread load. Its own connection to the destination means staging, encoding and (for
 * SQLite) writing happen in this thread too, so the partitions together keep every core busy.
 *
 * A listing row, an appliance error, a rejected session or damaged XML is reported as
 * `not-splittable`: the caller then loads the whole report with one parser, which reports those
 * with their exact file, line and column.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { context } from '@opentelemetry/api';
import { recordCount, type ReportItem } from '../records.ts';
import { silentLogger } from '../stage.ts';
import { innerSink } from '../telemetry/sink-span.ts';
import { loadReport } from './load-report.ts';
import type { FromPartition, PartitionStart, PartitionStats, ToPartition } from './partition-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('partition-worker.ts runs as a worker thread (see partitioned-load.ts)');
const start = workerData as PartitionStart;
const post = (message: FromPartition) => port.postMessage(message);

class OtherThanSessions extends Error {}

const controller = new AbortController();
const inbox: ToPartition[] = [];
let wake: (() => void) | undefined;
port.on('message', (message: ToPartition) => {
  if (message.type === 'cancel') controller.abort(new Error('cancelled'));
  inbox.push(message);
  wake?.();
});

/** This partition's document, as the caller sends it; each piece is acknowledged once the parser moves past it. */
async function* documentBytes(): AsyncGenerator<Uint8Array> {
  for (;;) {
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    const message = inbox.shift() as ToPartition;
    if (message.type === 'end') return;
    if (message.type === 'cancel') throw controller.signal.reason;
    yield message.bytes;
    post({ type: 'ack' });
  }
}

const stats: PartitionStats = { sessions: 0, written: 0, batches: 0, xmlBytes: 0, records: 0, rows: {}, refused: [] };

async function* sessionsOnly(items: AsyncIterable<ReportItem>): AsyncGenerator<ReportItem> {
  for await (const item of items) {
    if (item.type !== 'session') throw new OtherThanSessions(item.type === 'rejected' ? item.error.message : `a ${item.type === 'error' ? 'appliance error' : 'listing row'}`);
    stats.records += recordCount(item.bundle);
    stats.lastHost = item.bundle.session.key.host;
    yield item;
  }
}

async function run(): Promise<void> {
  const [{ openDestination }, { parseReport }, { ParseError }] = await Promise.all([
    import('../../sinks/destinations.ts'),
    import('../../stages/parsers/session-report-parser.ts'),
    import('../errors.ts'),
  ]);
  try {
    const sink = await openDestination(start.destination, { logger: silentLogger, writeOnCallerThread: true, writeTurn: start.writeTurn });
    // PostgreSQL: one batch in flight per partition (the others keep the cores busy while it waits
    // for the server), which keeps two pipelines in the memory budget; SQLite asks for two.
    const loaded = await loadReport(sessionsOnly(parseReport(documentBytes(), start.parse)), sink, {
      ctx: { signal: controller.signal, logger: silentLogger }, maxInFlightBatches: sink.partitionInFlightBatches ?? 1, ...start.load,
    });
    stats.sessions = loaded.sessions;
    stats.written = loaded.written;
    stats.batches = loaded.batches;
    stats.xmlBytes = loaded.xmlBytes;
    for (const { bundle, error } of loaded.sinkRejected) stats.refused.push({ lsid: bundle.session.key.lsid, source: bundle.origin.source, message: error.message });
    Object.assign(stats.rows, (innerSink(sink) as { stats?: { rows?: Record<string, number> } }).stats?.rows ?? {});
    post({ type: 'done', stats });
  } catch (error) {
    if (error instanceof OtherThanSessions || error instanceof ParseError) {
      post({ type: 'not-splittable', reason: error.message });
      return;
    }
    const e = error as { message?: unknown; name?: unknown; code?: unknown; stage?: unknown; stack?: unknown };
    post({
      type: 'failed',
      error: {
        message: String(e.message ?? error),
        ...(typeof e.name === 'string' ? { name: e.name } : {}),
        ...(typeof e.code === 'string' ? { code: e.code } : {}),
        ...(typeof e.stage === 'string' ? { stage: e.stage } : {}),
        ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
      },
    });
  }
}

// With telemetry on, batch spans and write metrics are posted to the main thread, which records
// them (the worker's own OpenTelemetry globals export nothing).
if (start.telemetry === undefined) void run();
else {
  const { forwardWorkerTelemetry } = await import('../telemetry/worker-telemetry.ts');
  const parent = await forwardWorkerTelemetry(start.telemetry, (item) => post({ type: 'telemetry', item }));
  void context.with(parent, run);
}
