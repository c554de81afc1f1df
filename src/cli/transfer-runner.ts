/**
 * The transfer runner `run`, `serve` and `demo` use: a configured transfer (site -> destination, data
 * types) as an incremental appliance pull into that destination, plus a site backup when asked.
 *
 * - One appliance client per site for the life of the process, so one OAuth token serves every
 *   transfer and run (an API account holds at most 30 valid tokens).
 * - Sessions, recordings, shell and Show My Screen recordings: `pullSite` incremental, from the
 *   stream's watermark minus the site's overlap, in windows of `windowDays`; the watermark advances
 *   only after the destination committed each window. A file destination downloads the recordings
 *   of the sessions it receives.
 * - The stream's identity in the state store is the destination's redacted spec, plus the data
 *   types for a folder (a schedule moving only recordings into a folder must not inherit the
 *   watermark of another one moving only session XML into it).
 * - Backups: one `/api/backup` download per transfer into the file destination, with retention.
 *
 * Implementations in stages/ and sinks/ are imported lazily.
 */
import { readFileSync } from 'node:fs';
import type { DataType, EtlConfig, SiteConfig } from '../config/config-types.ts';
import { sqlDestinationSpec } from '../config/destination-spec.ts';
import { ConfigError } from '../errors.ts';
import type { ProgressReporter } from '../progress/progress.ts';
import type { ClosableTransferRunner, TransferOutcome } from '../scheduler/transfer-runner.ts';
import type { BundleSink, Logger, StageContext } from '../stage.ts';
import { traceSinkWrites } from '../telemetry/sink-span.ts';

/** Types the pull of session reports serves (everything but backups). */
const PULLED: readonly DataType[] = ['sessions', 'recordings', 'shell-recordings', 'sms-recordings'];

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** Passes progress on and keeps the byte and file totals for the transfer's outcome. */
function tally(progress: ProgressReporter): ProgressReporter & { readonly totals: { bytes: number; files: number } } {
  const totals = { bytes: 0, files: 0 };
  return {
    totals,
    windows: (total) => progress.windows(total),
    windowDone: () => progress.windowDone(),
    sessions: (count) => progress.sessions(count),
    bytes: (count) => {
      totals.bytes += count;
      progress.bytes(count);
    },
    files: (count) => {
      totals.files += count;
      progress.files(count);
    },
  };
}

export async function defaultTransferRunner(config: EtlConfig, _logger: Logger): Promise<ClosableTransferRunner> {
  const [{ ApplianceClient }, { pullSite }, { createArtifactFetcher }, { parseReport }, { openDestination, redactDestination }, { SqliteStateStore }, { FileSink }, { fileSinkSettingsFromConfig }] = await Promise.all([
    import('../../stages/sources/appliance/appliance-client.ts'),
    import('../../stages/sources/appliance/pull-site.ts'),
    import('../../stages/sources/appliance/artifact-fetcher.ts'),
    import('../../stages/parsers/session-report-parser.ts'),
    import('../../sinks/destinations.ts'),
    import('../../sinks/state/sqlite-state-store.ts'),
    import('../../sinks/file/file-sink.ts'),
    import('../../sinks/file/file-sink-config.ts'),
  ]);
  type Client = InstanceType<typeof ApplianceClient>;
  const clients = new Map<string, Client>();

  const clientFor = (site: SiteConfig, logger: Logger): Client => {
    let client = clients.get(site.name);
    if (client) return client;
    const credentials = site.clientId !== undefined && site.clientSecret !== undefined
      ? { kind: 'oauth' as const, clientId: site.clientId, clientSecret: site.clientSecret.reveal() }
      : site.username !== undefined && site.password !== undefined
        ? { kind: 'legacy' as const, username: site.username, password: site.password.reveal() }
        : undefined;
    if (!credentials) throw new ConfigError(`sites.${site.name}: no credentials (clientId/clientSecret or username/password)`);
    let ca: string | undefined;
    if (site.caFile !== undefined) {
      try {
        ca = readFileSync(site.caFile, 'utf8');
      } catch (error) {
        throw new ConfigError(`sites.${site.name}.caFile: cannot read ${site.caFile} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, { cause: error });
      }
    }
    client = new ApplianceClient({ site: site.host, credentials, rateLimit: site.requestsPerSecond, logger: logger.child({ site: site.name }), ...(ca === undefined ? {} : { ca }) });
    clients.set(site.name, client);
    return client;
  };

  const runner: ClosableTransferRunner = async ({ transfer, site, destination }, ctx) => {
    const client = clientFor(site, ctx.logger);
    const progress = tally(ctx.progress);
    const stage: StageContext = { signal: ctx.signal, logger: ctx.logger };
    const pulled = transfer.data.filter((type) => PULLED.includes(type));
    const details: string[] = [];
    const outcome: { sessions: number; files: number; bytes: number } = { sessions: 0, files: 0, bytes: 0 };

    if (pulled.length > 0) {
      let sink: BundleSink;
      let target: string;
      let fileSink: InstanceType<typeof FileSink> | undefined;
      if (destination.type === 'file') {
        fileSink = new FileSink(fileSinkSettingsFromConfig(destination, pulled, site), { fetcher: createArtifactFetcher(client, site.product), logger: ctx.logger });
        sink = traceSinkWrites(fileSink); // etl.batch.write spans, as for sinks the registry opens
        target = `file:${destination.directory}?types=${[...pulled].sort().join(',')}`;
      } else {
        const spec = sqlDestinationSpec(destination);
        sink = await openDestination(spec, { logger: ctx.logger });
        target = redactDestination(spec);
      }
      const state = new SqliteStateStore(config.state.path);
      try {
        const captureRawXml = fileSink?.needsRawXml === true;
        const lookback = site.startFrom !== undefined ? Math.max(0, Math.floor((Date.now() - Date.parse(`${site.startFrom}T00:00:00Z`)) / 1000)) : site.initialDays * 86_400;
        const result = await pullSite({
          client,
          product: site.product,
          sink,
          state,
          target,
          mode: { kind: 'incremental', initialLookbackSeconds: lookback },
          windowSeconds: site.windowDays * 86_400,
          overlapSeconds: site.overlapMinutes * 60,
          parse: (bytes, options) => parseReport(bytes, { ...options, product: site.product, captureRawXml }),
          ctx: stage,
          progress,
        });
        outcome.sessions = result.written;
        details.push(`${result.windows} window${result.windows === 1 ? '' : 's'}`, `${result.sessionsInProgress} in progress`);
        if (result.closedSinceLastRun > 0) details.push(`${result.closedSinceLastRun} closed since the last run`);
        const rejected = result.parseRejected.length + result.sinkRejected.length;
        if (rejected > 0) {
          details.push(`${rejected} rejected${destination.type === 'file' ? '' : ' (kept in the rejected_session table)'}`);
          for (const error of result.parseRejected) ctx.logger.warn({ reason: error.message }, 'session rejected by the parser');
          for (const refused of result.sinkRejected) ctx.logger.warn({ lsid: refused.bundle.session.key.lsid, reason: refused.error.message }, 'session refused by the destination');
        }
        if (fileSink) {
          const { sessionFiles, recordings, missing } = fileSink.report;
          const files = sessionFiles.created + sessionFiles.overwritten + recordings.created + recordings.overwritten;
          progress.files(files);
          progress.bytes(recordings.bytes);
          if (missing.length > 0) details.push(`${missing.length} recording${missing.length === 1 ? '' : 's'} expired or unavailable`);
        }
      } finally {
        await state.close();
      }
    }

    if (transfer.data.includes('backups')) {
      if (destination.type !== 'file') throw new ConfigError(`transfer ${transfer.index + 1}: backups can only go to a file destination`);
      const backupSink = new FileSink(fileSinkSettingsFromConfig(destination, ['backups'], site), { fetcher: createArtifactFetcher(client, site.product), logger: ctx.logger });
      try {
        await backupSink.connect(stage);
        const backup = await backupSink.storeBackup(stage);
        await backupSink.close();
        progress.files(1);
        progress.bytes(backup.bytes);
        details.push(`backup ${megabytes(backup.bytes)}${backup.removed.length > 0 ? `, ${backup.removed.length} old backup${backup.removed.length === 1 ? '' : 's'} removed` : ''}`);
      } catch (error) {
        await backupSink.abort(error);
        throw error;
      }
    }

    const result: TransferOutcome = { ...outcome, files: progress.totals.files, bytes: progress.totals.bytes, detail: details.join(', ') };
    return result;
  };
  runner.close = async () => {
    await Promise.all([...clients.values()].map((client) => client.close()));
    clients.clear();
  };
  return runner;
}
