/**
 * Pulls one site's sessions (one product) into one destination, missing nothing and loading each
 * session's latest state: the programmatic entry point behind `sra-etl pull` and the scheduler.
 *
 * - **incremental**: from the stored watermark minus an overlap (default 10 min, so clock skew and
 *   sessions recorded late cannot fall between runs) up to the earlier of the local and appliance
 *   clocks, in windows (default one day) of `start_time` reports. Each window is committed to the
 *   destination first and to the state store second, so the watermark never passes data that is not
 *   durable; a crash costs a re-read, which the destination's replace-by-(host, lsid) makes harmless.
 *   Then every session seen in progress earlier is re-fetched by lsid until it has closed.
 * - **range** (`--from … --days …`, the guide's API tester): the same windows over a fixed span,
 *   checkpointed one by one as a backfill job, so a rerun after a crash resumes where it stopped.
 * - **lsids**: the sessions asked for, by `lsids=` in batches.
 *
 * A window whose body is cut (reset, truncated, stalled) is read again whole; other failures stop the
 * run with the watermark at the last committed window.
 */
import { ParseError, SourceError } from '../../../src/errors.ts';
import { loadReport } from '../../../src/pipeline/load-report.ts';
import type { Product, ReportItem } from '../../../src/records.ts';
import type { ProgressReporter } from '../../../src/progress/progress.ts';
import type { BundleSink, RejectedSession, StageContext } from '../../../src/stage.ts';
import { silentLogger } from '../../../src/stage.ts';
import type { StateChange, StateStore, StreamKey } from '../../../src/state/state-store.ts';
import { ATTR, SPAN } from '../../../src/telemetry/attributes.ts';
import { reportWatermark } from '../../../src/telemetry/metrics.ts';
import { traceParse } from '../../../src/telemetry/parse-span.ts';
import { addRetryEvent, withSpan } from '../../../src/telemetry/tracing.ts';
import type { ApplianceClient } from './appliance-client.ts';
import { backoffDelay, sleep } from './backoff.ts';
import { runEnd, splitWindows } from './pull-windows.ts';
import { readSessionReport, type ReportParser, type SessionQuery, type TimeWindow } from './report-source.ts';

export type PullMode =
  | { readonly kind: 'incremental'; /** First run only: how far back to start. Default 7 days. */ readonly initialLookbackSeconds?: number }
  | { readonly kind: 'range'; /** UNIX seconds, inclusive. */ readonly from: number; readonly to: number }
  | { readonly kind: 'lsids'; readonly lsids: readonly string[] };

export interface PullOptions {
  readonly client: ApplianceClient;
  readonly product: Product;
  /** The destination, not yet connected: pullSite connects it once and closes it at the end. */
  readonly sink: BundleSink;
  readonly state: StateStore;
  /** Identity of the destination in the state store (its redacted spec or a configured name). */
  readonly target: string;
  readonly parse: ReportParser;
  readonly mode: PullMode;
  /** Sessions' host key. Default the client's site host. */
  readonly host?: string;
  /** Re-read before the watermark. Default 600 s. */
  readonly overlapSeconds?: number;
  /** Report window length. Default 86 400 s (one day). */
  readonly windowSeconds?: number;
  /** lsids per `lsids=` call. Default 50. */
  readonly lsidBatchSize?: number;
  /** Stop following a session still open this long after it began. Default 7 days. */
  readonly maxInProgressAgeSeconds?: number;
  /** Reads of one window before giving up on cut bodies. Default 4. */
  readonly windowAttempts?: number;
  /** Cap the run's end at the appliance clock (Date header) when it is behind ours. Default true. */
  readonly useApplianceClock?: boolean;
  /** Local clock, ms. Default Date.now. */
  readonly now?: () => number;
  readonly ctx?: StageContext;
  /** Sessions per destination batch. Default 500 (loadReport's). */
  readonly maxBatchSessions?: number;
  /** Told of windows planned and committed, sessions committed and report bytes received. */
  readonly progress?: ProgressReporter;
}

export interface PullResult {
  readonly site: string;
  readonly product: Product;
  readonly mode: PullMode['kind'];
  /** Report calls by time window, and by lsids. */
  windows: number;
  lsidCalls: number;
  /** Windows read again after a cut body. */
  retriedWindows: number;
  /** Distinct sessions read, and how many of them were still in progress. */
  sessions: number;
  sessionsInProgress: number;
  /** Sessions the destination wrote (re-reads count again). */
  written: number;
  /** Sessions followed since an earlier run that were found closed now. */
  closedSinceLastRun: number;
  /** Sessions no longer followed: vanished from the appliance, or open for too long. */
  readonly forgotten: { readonly lsid: string; readonly reason: string }[];
  /** lsids asked for (lsids mode) that the appliance does not have. */
  readonly notFound: string[];
  readonly parseRejected: ParseError[];
  readonly sinkRejected: RejectedSession[];
  /** UNIX seconds: the span read, and the stored watermark afterwards (incremental). */
  from?: number;
  until?: number;
  watermark?: number;
}

interface Sighting {
  readonly startTime: number;
  readonly open: boolean;
}

/** A string that shares no memory with the one given (V8 keeps sliced strings' parents alive). */
const ownCopy = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

const ts = (iso: string | null, fallback: number): number => (iso === null ? fallback : Math.floor(Date.parse(iso) / 1000));

/** A sink whose lifetime pullSite owns: loadReport's per-report connect/close become no-ops. */
function sharedSink(sink: BundleSink): BundleSink & { aborted: boolean } {
  const shared = {
    type: sink.type,
    aborted: false,
    connect: () => Promise.resolve(),
    writeBatch: (batch: Parameters<BundleSink['writeBatch']>[0], ctx: StageContext) => sink.writeBatch(batch, ctx),
    close: () => Promise.resolve(),
    abort: async (reason: unknown) => {
      shared.aborted = true;
      await sink.abort(reason);
    },
  };
  return shared;
}

/** Failures after which reading the same window again may succeed: the body was cut. */
function isCutBody(error: unknown): boolean {
  if (error instanceof SourceError) return error.code === 'network' || error.code === 'timeout';
  return error instanceof ParseError && error.code === 'xml_truncated';
}

export async function pullSite(options: PullOptions): Promise<PullResult> {
  const { client, product, state, parse } = options;
  const ctx: StageContext = options.ctx ?? { signal: new AbortController().signal, logger: silentLogger };
  const logger = ctx.logger.child({ site: options.host ?? client.site.host, product });
  const host = options.host ?? client.site.host;
  const stream: StreamKey = { site: host, product, target: options.target };
  const now = options.now ?? Date.now;
  const windowSeconds = options.windowSeconds ?? 86_400;
  const attempts = options.windowAttempts ?? 4;
  const shared = sharedSink(options.sink);
  const result: PullResult = {
    site: host, product, mode: options.mode.kind, windows: 0, lsidCalls: 0, retriedWindows: 0, sessions: 0, sessionsInProgress: 0,
    written: 0, closedSinceLastRun: 0, forgotten: [], notFound: [], parseRejected: [], sinkRejected: [],
  };
  /** Every session read in this run, latest sighting wins. */
  const seenThisRun = new Map<string, Sighting>();
  const progress = options.progress;
  const parseCounting: ReportParser = progress === undefined ? parse : (bytes, parseOptions) => {
    async function* counted(): AsyncGenerator<Uint8Array | string> {
      for await (const chunk of bytes) {
        progress?.bytes(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength);
        yield chunk;
      }
    }
    return parse(counted(), parseOptions);
  };

  async function load(query: SessionQuery, fallbackStart: number, what: string): Promise<Map<string, Sighting>> {
    for (let attempt = 1; ; attempt++) {
      const seen = new Map<string, Sighting>();
      async function* tap(items: AsyncIterable<ReportItem>): AsyncGenerator<ReportItem> {
        for await (const item of items) {
          if (item.type === 'session') {
            const session = item.bundle.session;
            // A copy: the parser's strings can be slices of a whole input chunk, and a kept slice keeps
            // the chunk alive (13 500 lsids held on to 1.8 GB of a 500 MB report before this copy).
            seen.set(ownCopy(session.key.lsid), { startTime: ts(session.startTime, fallbackStart), open: session.endTime === null });
          }
          yield item;
        }
      }
      try {
        const items = readSessionReport(client, query, { parse: parseCounting, host, signal: ctx.signal });
        const report = 'window' in query ? `${product === 'rs' ? 'Support' : 'Access'}Session` : `${product === 'rs' ? 'Support' : 'Access'}Session (lsids)`;
        const stats = await traceParse({ [ATTR.report]: report, [ATTR.attempt]: attempt }, () => loadReport(tap(items), shared, { ctx, ...(options.maxBatchSessions === undefined ? {} : { maxBatchSessions: options.maxBatchSessions }) }));
        result.written += stats.written;
        result.parseRejected.push(...stats.parseRejected);
        result.sinkRejected.push(...stats.sinkRejected);
        for (const [lsid, sighting] of seen) seenThisRun.set(lsid, sighting);
        progress?.sessions(stats.written);
        return seen;
      } catch (error) {
        if (shared.aborted || ctx.signal.aborted || attempt >= attempts || !isCutBody(error)) throw error;
        result.retriedWindows++;
        const delay = backoffDelay(attempt);
        logger.warn({ what, attempt, delayMs: delay, error: (error as Error).message }, 'report body cut short; reading it again');
        addRetryEvent({ attempt, delayMs: delay, reason: 'report body cut short; reading it again', error }); // on the window's span
        await sleep(delay, ctx.signal);
      }
    }
  }

  function tracking(seen: ReadonlyMap<string, Sighting>): Pick<StateChange, 'inProgress' | 'forget'> {
    const inProgress: { lsid: string; startTime: number }[] = [];
    const forget: string[] = [];
    for (const [lsid, sighting] of seen) {
      if (sighting.open) inProgress.push({ lsid, startTime: sighting.startTime });
      else forget.push(lsid);
    }
    return { inProgress, forget };
  }

  async function readWindow(window: TimeWindow): Promise<ReadonlyMap<string, Sighting>> {
    result.windows++;
    const label = `${new Date(window.start * 1000).toISOString()} + ${window.seconds} s`;
    const seen = await withSpan(SPAN.window, { [ATTR.windowStart]: window.start, [ATTR.windowSeconds]: window.seconds }, () => load({ product, window }, window.start, label));
    logger.info({ window: label, sessions: seen.size, inProgress: [...seen.values()].filter((s) => s.open).length }, 'window loaded');
    return seen;
  }

  /** Re-fetches sessions seen in progress by earlier runs, until they close. */
  async function followInProgress(until: number): Promise<void> {
    const maxAge = options.maxInProgressAgeSeconds ?? 7 * 86_400;
    const pending: string[] = [];
    const stale: string[] = [];
    for (const tracked of await state.listInProgress(stream)) {
      if (seenThisRun.has(tracked.lsid)) continue;
      if (tracked.startTime < until - maxAge) {
        stale.push(tracked.lsid);
        result.forgotten.push({ lsid: tracked.lsid, reason: `still in progress ${Math.round((until - tracked.startTime) / 3600)} h after it began; no longer followed` });
      } else {
        pending.push(tracked.lsid);
      }
    }
    if (stale.length > 0) {
      logger.warn({ lsids: stale }, 'sessions open for longer than the follow limit are no longer re-fetched');
      await state.commit(stream, { forget: stale }, new Date(now()));
    }
    await readByLsid(pending, true);
  }

  async function readByLsid(lsids: readonly string[], following: boolean): Promise<void> {
    const size = options.lsidBatchSize ?? 50;
    for (let offset = 0; offset < lsids.length; offset += size) {
      const batch = lsids.slice(offset, offset + size);
      result.lsidCalls++;
      const seen = await withSpan(SPAN.lsids, { [ATTR.lsidCount]: batch.length }, () => load({ product, lsids: batch }, Math.floor(now() / 1000), `${batch.length} lsids`));
      const missing = batch.filter((lsid) => !seen.has(lsid));
      const change = tracking(seen);
      if (following) {
        result.closedSinceLastRun += change.forget?.length ?? 0;
        for (const lsid of missing) result.forgotten.push({ lsid, reason: 'no longer on the appliance (deleted or past retention)' });
        if (missing.length > 0) logger.warn({ lsids: missing }, 'sessions followed while in progress are no longer on the appliance');
      } else {
        result.notFound.push(...missing);
      }
      await state.commit(stream, { inProgress: change.inProgress ?? [], forget: [...(change.forget ?? []), ...(following ? missing : [])] }, new Date(now()));
    }
  }

  await options.sink.connect(ctx);
  try {
    await client.authenticate(ctx.signal); // surfaces credential problems first, and reads the appliance clock
    const mode = options.mode;
    if (mode.kind === 'lsids') {
      await readByLsid([...new Set(mode.lsids)], false);
    } else if (mode.kind === 'range') {
      const id = `range:${mode.from}-${mode.to}`;
      const job = await state.getJob(stream, id);
      if (job !== undefined) logger.info({ job: id, doneUntil: job.doneUntil }, 'resuming an interrupted backfill');
      result.from = mode.from;
      result.until = mode.to;
      const windows = splitWindows(job?.doneUntil ?? mode.from, mode.to, windowSeconds);
      progress?.windows(windows.length);
      for (const window of windows) {
        const seen = await readWindow(window);
        await state.commit(stream, { job: { id, from: mode.from, to: mode.to, doneUntil: window.start + window.seconds }, ...tracking(seen) }, new Date(now()));
        progress?.windowDone();
      }
      await state.commit(stream, { finishedJob: id }, new Date(now()));
    } else {
      const until = runEnd({ localNow: now(), applianceNow: client.applianceNow(), useApplianceClock: options.useApplianceClock ?? true });
      const watermark = await state.getWatermark(stream);
      const from = watermark === undefined ? until - (mode.initialLookbackSeconds ?? 7 * 86_400) : watermark - (options.overlapSeconds ?? 600);
      result.from = from;
      result.until = until;
      const windows = splitWindows(from, until, windowSeconds);
      progress?.windows(windows.length);
      for (const window of windows) {
        const seen = await readWindow(window);
        await state.commit(stream, { watermark: window.start + window.seconds, ...tracking(seen) }, new Date(now()));
        reportWatermark({ site: host, product, destination: options.target }, window.start + window.seconds); // etl.watermark.lag
        progress?.windowDone();
      }
      await followInProgress(until);
      result.watermark = await state.getWatermark(stream);
      if (result.watermark !== undefined) reportWatermark({ site: host, product, destination: options.target }, result.watermark);
    }
  } catch (error) {
    if (!shared.aborted) await options.sink.close();
    throw error;
  }
  await options.sink.close();
  result.sessions = seenThisRun.size;
  result.sessionsInProgress = [...seenThisRun.values()].filter((s) => s.open).length;
  return result;
}
