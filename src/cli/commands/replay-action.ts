/**
 * What `sra-etl replay` does (registered in replay.ts): read saved reports through the parser into a
 * destination with loadReport, one line per problem and a summary on stderr.
 */
import { stat } from 'node:fs/promises';
import { ConfigError, EtlError, ParseError, SourceError } from '../../errors.ts';
import { recordCount, type Product, type ReportItem } from '../../records.ts';
import { reportErrorKind } from '../../report-error-kind.ts';
import { silentLogger, type BundleSink } from '../../stage.ts';
import { ATTR } from '../../telemetry/attributes.ts';
import { traceParse, tracePartitionedParse } from '../../telemetry/parse-span.ts';
import { traceRun } from '../../telemetry/run-trace.ts';
import type { ArtifactFetcher } from '../../../sinks/file/artifact-fetcher.ts';
import type { ApplianceClient } from '../../../stages/sources/appliance/appliance-client.ts';
import { cancelOnSignals } from '../cancel-on-signals.ts';
import { PARTITIONED_MIN_BYTES } from '../../pipeline/partitioned-load.ts';
import { loadFileInPartitions, partitionsFor } from '../partitioned-file-load.ts';
import { DEFAULT_BATCH_SESSIONS, type ReplayFlags } from './replay.ts';

export interface ReplayOptions {
  readonly inputs: readonly string[];
  readonly to: string;
  readonly host?: string;
  readonly product?: Product;
  /** File destination: data types to store. */
  readonly types?: readonly string[];
  /** File destination: downloads recordings and backups (`--site`), as the guide's API tester does. */
  readonly fetcher?: ArtifactFetcher;
  /**
   * Sessions per batch. Default: the destination's preference (JSON Lines 5), else 50. A batch is
   * held in memory whole (about 4x its XML), so this bounds the replay's memory.
   */
  readonly batchSessions?: number;
  /** Parse in a worker thread (overlaps parsing with writing). Default false. */
  readonly worker?: boolean;
  /** Pipelines for one big file into a destination that takes several writers (see partitioned-file-load.ts). Default: one per core for SQLite, one for the others. */
  readonly jobs?: number;
  readonly signal?: AbortSignal;
  /** Where problem lines and the summary go. Default stderr. */
  readonly err?: NodeJS.WritableStream;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;

/** Runs a replay; resolves with the exit status (0 clean, 1 something was rejected or damaged). */
export async function replayReports(options: ReplayOptions): Promise<number> {
  const err = options.err ?? process.stderr;
  const say = (line: string) => err.write(`sra-etl: ${line}\n`);
  const { openDestination, redactDestination } = await import('../../../sinks/destinations.ts');
  const [{ listReportFiles, readFileChunks, STDIN }, { parseReport }, { parseReportInWorker }, { loadReport }] = await Promise.all([
    import('../../../stages/sources/file-source.ts'),
    import('../../../stages/parsers/session-report-parser.ts'),
    import('../../../stages/parsers/parse-in-worker.ts'),
        import('../../pipeline/load-report.ts'),
  ]);
  const files = await listReportFiles(options.inputs);
  const { dataTypesOption, fileSummaryLines, requireFileSinkFor, storeBackupIfAsked } = await import('../../../sinks/file/file-transfer.ts');
  const types = dataTypesOption(options.types);
  const open = (): Promise<BundleSink> => openDestination(options.to, { logger: silentLogger, types, ...(options.fetcher === undefined ? {} : { fetcher: options.fetcher }) });
  const sink = await open();
  requireFileSinkFor(types, sink);
  const parse = options.worker === true ? parseReportInWorker : parseReport;
  const signal = options.signal ?? new AbortController().signal;
  const counts = { files: 0, damaged: 0, needHost: 0, records: 0, reportErrors: 0, failedReports: 0 };
  await storeBackupIfAsked(sink, types, { signal, logger: silentLogger });

  // Without --host, a file whose sessions have no URLs (the file destination's one-session files of
  // sessions in progress) takes the host of the session before it, in the previous file.
  let lastHost: string | undefined;
  async function* items(group: readonly string[]): AsyncGenerator<ReportItem> {
    for (const file of group) {
      signal.throwIfAborted();
      counts.files++;
      const parser = parse(readFileChunks(file, { signal }), {
        source: file === '-' ? '<stdin>' : file,
        ...(options.host === undefined ? {} : { host: options.host }),
        ...(options.product === undefined ? {} : { product: options.product }),
        captureRawXml: sink.needsRawXml === true,
        ...(lastHost === undefined ? {} : { precedingHost: lastHost }),
      });
      try {
        for await (const item of parser) {
          if (item.type === 'session') lastHost = item.bundle.session.key.host;
          if (item.type === 'session') counts.records += recordCount(item.bundle);
          else if (item.type === 'rejected') say(item.error.message);
          else if (item.type === 'error') {
            counts.reportErrors++;
            const { code, message, origin } = item.error;
            const where = `${origin.source}${origin.line === undefined ? '' : `:${origin.line}`}`;
            if (reportErrorKind(message, code) === 'no_data') {
              say(`${where}: the report holds no sessions (the appliance said: ${message})`);
            } else {
              counts.failedReports++;
              say(`${where}: the appliance answered with an error${code ? ` (${code})` : ''}: ${message}`);
            }
          }
          yield item;
        }
      } catch (error) {
        // A damaged or unreadable file costs only itself: say so and go on with the next one.
        if (!(error instanceof ParseError || error instanceof SourceError) || signal.aborted) throw error;
        if (error.code === 'host_unknown') counts.needHost++;
        else counts.damaged++;
        say(error.message);
      }
    }
  }

  const maxBatchSessions = options.batchSessions ?? sink.preferredBatchSessions ?? DEFAULT_BATCH_SESSIONS;
  const spanAttributes = { [ATTR.destination]: redactDestination(options.to), [ATTR.sinkType]: sink.type };
  const jobs = options.jobs === undefined ? {} : { partitions: options.jobs };
  // Whether this destination splits files at all (SQLite, PostgreSQL): the others never stat a file for it.
  const splits = options.worker !== true && partitionsFor(sink, { bytes: Number.POSITIVE_INFINITY, ...jobs }) !== undefined;
  /** How many pipelines load `file` on its own (partitioned-file-load.ts); undefined: it joins the one-pipeline stream. */
  const pipelinesFor = async (file: string): Promise<{ readonly bytes: number; readonly partitions: number } | undefined> => {
    if (!splits || file === STDIN) return undefined;
    // A file that cannot be read joins the stream too, which reports it and goes on with the next.
    const info = await stat(file).catch(() => undefined);
    // Only a regular file is split: a named pipe is read as a stream, by one pipeline (file-source.ts says why).
    if (info?.isFile() !== true) return undefined;
    // Among several files only big ones are split, whatever --jobs says: a worker per pipeline and
    // file costs more than it saves on a small file (a folder of one-session files, say).
    if (files.length > 1 && info.size < PARTITIONED_MIN_BYTES) return undefined;
    const partitions = partitionsFor(sink, { bytes: info.size, ...jobs });
    return partitions === undefined ? undefined : { bytes: info.size, partitions };
  };

  const totals = { sessions: 0, summaries: 0, parseRejected: 0, sinkRejected: 0 };
  // Files load in order, each part finished before the next starts (so a later copy of a session
  // still wins): runs of files one pipeline streams through loadReport, each with its etl.parse span,
  // and big files (SQLite; PostgreSQL with --jobs) that one pipeline per core loads alone.
  let group: string[] = [];
  // loadReport closes the sink it is given: the first run uses the one opened above, later runs
  // (only a destination that splits files has them) open their own.
  let unused: BundleSink | undefined = sink;
  const loadGroup = async (): Promise<void> => {
    if (group.length === 0) return;
    const run = group;
    group = [];
    const target = unused ?? (await open());
    unused = undefined;
    // etl.parse (the run's files as one stream) with the batch writes inside it; the command is the etl.run.
    const stats = await traceParse(spanAttributes, () => loadReport(items(run), target, { ctx: { signal, logger: silentLogger }, maxBatchSessions }));
    for (const { bundle, error } of stats.sinkRejected) say(`${bundle.origin.source}: session ${bundle.session.key.lsid}: ${error.message}`);
    totals.sessions += stats.sessions;
    totals.summaries += stats.summaries;
    totals.parseRejected += stats.parseRejected.length;
    totals.sinkRejected += stats.sinkRejected.length;
  };
  for (const file of files) {
    const plan = await pipelinesFor(file);
    if (plan === undefined) {
      group.push(file);
      continue;
    }
    await loadGroup();
    signal.throwIfAborted();
    const outcome = await tracePartitionedParse(spanAttributes, () => loadFileInPartitions({
      file, bytes: plan.bytes, destination: options.to, signal, load: { maxBatchSessions }, partitions: plan.partitions,
      parse: {
        source: file, ...(options.host === undefined ? {} : { host: options.host }), ...(options.product === undefined ? {} : { product: options.product }),
        ...(lastHost === undefined ? {} : { precedingHost: lastHost }),
      },
    }));
    if (!('loaded' in outcome)) {
      // Not split (listing rows, appliance errors, damage): one pipeline loads the file, which reports what it holds as always.
      group.push(file);
      continue;
    }
    const { loaded } = outcome;
    for (const refused of loaded.refused) say(`${refused.source}: session ${refused.lsid}: ${refused.message}`);
    counts.files++;
    counts.records += loaded.records;
    totals.sessions += loaded.sessions;
    totals.sinkRejected += loaded.refused.length;
    lastHost = loaded.lastHost ?? lastHost;
  }
  await loadGroup();
  await unused?.close(); // every file was loaded by pipelines of their own
  const problems = totals.parseRejected + totals.sinkRejected + counts.damaged + counts.needHost + counts.failedReports;
  const parts = [`${plural(totals.sessions, 'session')} (${plural(counts.records, 'record')})`];
  if (totals.summaries > 0) parts.push(plural(totals.summaries, 'listing row'));
  if (counts.reportErrors > 0) parts.push(plural(counts.reportErrors, 'appliance error'));
  const trouble = [
    totals.parseRejected > 0 ? `${plural(totals.parseRejected, 'session')} rejected` : '',
    totals.sinkRejected > 0 ? `${plural(totals.sinkRejected, 'session')} refused by the destination` : '',
    counts.damaged > 0 ? `${plural(counts.damaged, 'file')} damaged or unreadable` : '',
    counts.needHost > 0 ? `${plural(counts.needHost, 'file')} needing --host` : '',
    counts.failedReports > 0 ? `${plural(counts.failedReports, 'appliance error')} other than "no data"` : '',
  ].filter(Boolean);
  say(`replayed ${plural(counts.files, 'file')}: ${parts.join(', ')} -> ${redactDestination(options.to)}${trouble.length > 0 ? `; ${trouble.join(', ')}` : ''}`);
  for (const line of fileSummaryLines(sink)) err.write(`${line}\n`);
  return problems > 0 ? 1 : 0;
}

/** Runs `replay` with its arguments and flags; sets the exit code (0 clean, 1 something was rejected or damaged). */
export async function runReplay(inputs: readonly string[], flags: ReplayFlags): Promise<void> {
  const controller = new AbortController();
  const stopListening = cancelOnSignals(controller, (signal) => new EtlError(`stopped by ${signal}: nothing more was written, and the open batch was rolled back`, 'aborted', 'processing'));
  let client: ApplianceClient | undefined;
  let fetcher: ArtifactFetcher | undefined;
  try {
    if (flags.site !== undefined) {
      if (flags.product === undefined) throw new ConfigError('--site needs --product rs|pra: it decides which recording reports the appliance is asked for', { code: 'usage' });
      // Only a replay that downloads recordings needs the HTTP client: load it (got) only then.
      const [{ clientFrom }, { createArtifactFetcher }] = await Promise.all([import('./site-client.ts'), import('../../../stages/sources/appliance/artifact-fetcher.ts')]);
      client = clientFrom(flags.site, flags, silentLogger);
      fetcher = createArtifactFetcher(client, flags.product, client.site.host);
    }
    if (flags.host !== undefined && flags.host.trim() === '') throw new ConfigError('--host needs a hostname, e.g. --host support.example.com', { code: 'usage' });
    process.exitCode = await traceRun({ [ATTR.command]: 'replay' }, () => replayReports({
      inputs, to: flags.to, signal: controller.signal,
      ...(flags.batch === undefined ? {} : { batchSessions: flags.batch }),
      ...(flags.host === undefined ? {} : { host: flags.host }),
      ...(flags.product === undefined ? {} : { product: flags.product }),
      ...(flags.types === undefined ? {} : { types: flags.types }),
      ...(flags.worker === undefined ? {} : { worker: flags.worker }),
      ...(flags.jobs === undefined ? {} : { jobs: flags.jobs }),
      ...(fetcher === undefined ? {} : { fetcher }),
    }), controller.signal);
  } catch (error) {
    // Cancelled: the destination was rolled back; say so in one line and exit 130.
    if (controller.signal.aborted) throw controller.signal.reason;
    // `replay … --to jsonl:- | head`: the reader has all it wanted; stop quietly, like cat would.
    if (isBrokenPipe(error)) return;
    throw error;
  } finally {
    stopListening();
    await client?.close();
  }
}

function isBrokenPipe(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as NodeJS.ErrnoException).code === 'EPIPE') return true;
  }
  return false;
}
