/**
 * `sra-etl pull`: pulls session reports from an appliance into a destination. With `--from` or
 * `--lsid` it is the vendor guide's API tester (a date range, or given sessions); with neither it is
 * an incremental run that continues where the previous one stopped (what the scheduler runs).
 */
import type { Command } from 'commander';
import { ConfigError, EtlError } from '../../errors.ts';
import type { PullMode, PullResult } from '../../../stages/sources/appliance/pull-site.ts';
import { pullSite } from '../../../stages/sources/appliance/pull-site.ts';
import { parseStartDate } from '../../../stages/sources/appliance/pull-windows.ts';
import { parseReport } from '../../../stages/parsers/session-report-parser.ts';
import { openDestination, redactDestination } from '../../../sinks/destinations.ts';
import { dataTypesOption, fileSummaryLines, needsSessionReports, requireFileSinkFor, stateTarget, storeBackupIfAsked, TYPES_HELP } from '../../../sinks/file/file-transfer.ts';
import { createArtifactFetcher } from '../../../stages/sources/appliance/artifact-fetcher.ts';
import { DEFAULT_STATE_FILE, SqliteStateStore } from '../../../sinks/state/sqlite-state-store.ts';
import { cancelOnSignals } from '../cancel-on-signals.ts';
import { stderrLogger } from '../stderr-logger.ts';
import { ATTR, SPAN } from '../../telemetry/attributes.ts';
import { traceRun } from '../../telemetry/run-trace.ts';
import { innerSink } from '../../telemetry/sink-span.ts';
import { withSpan } from '../../telemetry/tracing.ts';
import { addSiteOptions, clientFrom, CREDENTIAL_HELP, productFrom, type SiteFlags } from './site-options.ts';

interface PullFlags extends SiteFlags {
  site: string;
  to: string;
  from?: string;
  days: string;
  lsid?: string;
  initialDays: string;
  windowHours: string;
  overlapMinutes: string;
  state: string;
  hostName?: string;
  json?: boolean;
  verbose?: boolean;
  types?: string;
}

function positive(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${option} ${JSON.stringify(text)}: expected a positive number`, { code: 'usage' });
  return value;
}

export function pullModeFrom(flags: Pick<PullFlags, 'from' | 'days' | 'lsid' | 'initialDays'>): PullMode {
  if (flags.from !== undefined && flags.lsid !== undefined) throw new ConfigError('give either --from (a date range) or --lsid (given sessions), not both', { code: 'usage' });
  if (flags.lsid !== undefined) {
    const lsids = flags.lsid.split(',').map((lsid) => lsid.trim()).filter((lsid) => lsid !== '');
    if (lsids.length === 0) throw new ConfigError('--lsid: give one or more session IDs, comma-separated', { code: 'usage' });
    return { kind: 'lsids', lsids };
  }
  if (flags.from !== undefined) {
    const from = parseStartDate(flags.from);
    if (from === undefined) throw new ConfigError(`--from ${JSON.stringify(flags.from)}: expected a date (2024-12-01) or date-time (2024-12-01T08:00:00Z)`, { code: 'usage' });
    const days = positive(flags.days, '--days');
    return { kind: 'range', from, to: from + Math.round(days * 86_400) };
  }
  return { kind: 'incremental', initialLookbackSeconds: Math.round(positive(flags.initialDays, '--initial-days') * 86_400) };
}

const iso = (seconds: number | undefined) => (seconds === undefined ? '-' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z'));

function summary(result: PullResult | undefined, destination: string, fileLines: readonly string[]): string {
  if (result === undefined) return `${[`stored into ${destination}:`, ...fileLines].join('\n')}\n`;
  const lines = [
    `pulled ${result.sessions} session(s) (${result.sessionsInProgress} still in progress) from ${result.site} (${result.product}) into ${destination}: ${result.windows} window(s), ${result.lsidCalls} lsid call(s)`,
  ];
  if (result.from !== undefined) lines.push(`  span          ${iso(result.from)} .. ${iso(result.until)}${result.watermark === undefined ? '' : `; watermark now ${iso(result.watermark)}`}`);
  if (result.closedSinceLastRun > 0) lines.push(`  closed        ${result.closedSinceLastRun} session(s) seen in progress earlier have ended and were updated`);
  if (result.retriedWindows > 0) lines.push(`  re-read       ${result.retriedWindows} report(s) cut short by the network were read again`);
  for (const lsid of result.notFound) lines.push(`  not found     ${lsid}: the appliance has no session with this ID`);
  for (const forgotten of result.forgotten) lines.push(`  not followed  ${forgotten.lsid}: ${forgotten.reason}`);
  for (const error of result.parseRejected) lines.push(`  rejected      ${error.message}`);
  for (const rejected of result.sinkRejected) lines.push(`  not stored    ${rejected.bundle.session.key.lsid}: ${rejected.error.message}`);
  lines.push(...fileLines);
  return `${lines.join('\n')}\n`;
}

export function registerPull(program: Command): void {
  const command = program
    .command('pull')
    .description('Pull session reports from an appliance into a destination: a date range or given sessions (the guide\'s API tester), or, with neither, everything new since the last run.')
    .requiredOption('--site <host>', 'the appliance\'s host name, e.g. support.example.com (http://127.0.0.1:<port> for the simulator)')
    .requiredOption('--to <destination>', 'where to load the sessions, e.g. sqlite:data/sra.db, postgres://…, mssql://…, file:/srv/sra')
    .option('--product <rs|pra>', 'Remote Support (SupportSession) or Privileged Remote Access (AccessSession)', 'pra')
    .option('--from <date>', 'start of a date range: sessions that began on or after this date (UTC), including those still in progress')
    .option('--days <n>', 'length of the --from range in days', '1')
    .option('--lsid <ids>', 'pull these sessions only (comma-separated session IDs)')
    .option('--initial-days <n>', 'incremental runs: how far back the first run starts', '7')
    .option('--window-hours <n>', 'report window: long ranges are read and committed in windows this long', '24')
    .option('--overlap-minutes <n>', 'incremental runs re-read this much before the last run\'s end, against clock skew', '10')
    .option('--state <file>', 'state database (watermarks, sessions in progress, backfill checkpoints)', DEFAULT_STATE_FILE)
    .option('--host-name <name>', 'the sessions\' host name in the destination, if not the --site host')
    .option('--types <list>', TYPES_HELP, 'sessions')
    .option('--json', 'print the result as JSON')
    .option('--verbose', 'log each window and every retry on stderr');
  addSiteOptions(command)
    .addHelpText('after', `${CREDENTIAL_HELP}

Examples:
  $ SRA_CLIENT_ID=… SRA_CLIENT_SECRET=… sra-etl pull --site support.example.com --product rs --from 2024-12-01 --days 30 --to sqlite:data/sra.db
  $ sra-etl pull --site access.example.com --lsid e9e99aeb9ad54fb381634498502c5a1b --to postgres://etl@db/sra
  $ sra-etl pull --site access.example.com --to sqlite:data/sra.db          # incremental: what is new since the last run
  $ sra-etl pull --site http://127.0.0.1:8940 --client-id sra-etl-simulator --client-secret simulator-secret --to sqlite:/tmp/sim.db
  $ sra-etl pull --site support.example.com --product rs --from 2024-12-01 --to file:/srv/sra --types sessions,recordings,shell-recordings,sms-recordings
  $ SRA_ETL_BACKUP_PASSWORD=… sra-etl pull --site support.example.com --to 'file:/srv/sra?backups.retention=7' --types backups

A range pull interrupted midway resumes at its first unfinished window when run again with the same
--from/--days. Incremental runs never lose a session to clock skew smaller than --overlap-minutes.`)
    .action(async (flags: PullFlags) => {
      const logger = stderrLogger(flags.verbose === true || program.opts<{ verbose?: boolean }>().verbose === true);
      const product = productFrom(flags.product);
      const mode = pullModeFrom(flags);
      const windowSeconds = Math.round(positive(flags.windowHours, '--window-hours') * 3600);
      const overlapSeconds = Math.round(Number(flags.overlapMinutes) * 60);
      if (!(overlapSeconds >= 0)) throw new ConfigError(`--overlap-minutes ${JSON.stringify(flags.overlapMinutes)}: expected minutes >= 0`, { code: 'usage' });
      const client = clientFrom(flags.site, flags, logger);
      const state = new SqliteStateStore(flags.state);
      const controller = new AbortController();
      // First signal: stop after rolling back the open batch (the watermark stays at the last commit);
      // a second one: leave at once.
      const stopListening = cancelOnSignals(controller, (signal) => new EtlError(`stopped by ${signal}: the open batch was rolled back; the next pull resumes after the last committed window`, 'aborted', 'processing'));
      try {
        const types = dataTypesOption(flags.types);
        const fetcher = createArtifactFetcher(client, product, flags.hostName ?? client.site.host);
        const sink = await openDestination(flags.to, { logger, types, fetcher });
        requireFileSinkFor(types, sink);
        const captureRawXml = sink.needsRawXml === true;
        const destination = redactDestination(flags.to);
        // One trace per command: etl.run > etl.transfer > windows (see src/telemetry/attributes.ts).
        const transfer = { [ATTR.site]: client.site.host, [ATTR.product]: product, [ATTR.destination]: destination, [ATTR.sinkType]: sink.type, [ATTR.mode]: mode.kind };
        const ctx = { signal: controller.signal, logger };
        const result = await traceRun({ [ATTR.command]: 'pull', [ATTR.mode]: mode.kind }, () => withSpan(SPAN.transfer, transfer, async (): Promise<PullResult | undefined> => {
          await storeBackupIfAsked(sink, types, ctx);
          if (!needsSessionReports(types)) {
            await sink.close();
            return undefined;
          }
          return pullSite({
            client, product, sink, state, target: stateTarget(destination, types), mode, windowSeconds, overlapSeconds,
            parse: (bytes, options) => parseReport(bytes, { ...options, product, captureRawXml }),
            ctx,
            ...(flags.hostName === undefined ? {} : { host: flags.hostName }),
          });
        }), controller.signal);
        const files = (innerSink(sink) as { report?: unknown }).report; // a file destination's report
        process.stdout.write(flags.json === true
          ? `${JSON.stringify({ ...result, ...(files === undefined ? {} : { files }) }, (key, value: unknown) => (value instanceof Error ? value.message : value), 2)}\n`
          : summary(result, destination, fileSummaryLines(sink)));
        if (result !== undefined && (result.parseRejected.length > 0 || result.sinkRejected.length > 0)) process.exitCode = 1;
      } catch (error) {
        // Cancelled: one line and exit 130, whatever error the interrupted step surfaced.
        if (controller.signal.aborted) throw controller.signal.reason;
        throw error;
      } finally {
        stopListening();
        await state.close();
        await client.close();
      }
    });
}
