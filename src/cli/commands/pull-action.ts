/**
 * What `sra-etl pull` does (registered in pull.ts): read the flags into a pull mode, pull the site
 * into the destination (one trace per command), print the result.
 */
import { ConfigError, EtlError } from '../../errors.ts';
import type { PullMode, PullResult } from '../../../stages/sources/appliance/pull-site.ts';
import { pullSite } from '../../../stages/sources/appliance/pull-site.ts';
import { parseStartDate } from '../../../stages/sources/appliance/pull-windows.ts';
import { parseReport } from '../../../stages/parsers/session-report-parser.ts';
import { openDestination, redactDestination } from '../../../sinks/destinations.ts';
import { dataTypesOption, fileSummaryLines, needsSessionReports, requireFileSinkFor, stateTarget, storeBackupIfAsked } from '../../../sinks/file/file-transfer.ts';
import { createArtifactFetcher } from '../../../stages/sources/appliance/artifact-fetcher.ts';
import { SqliteStateStore } from '../../../sinks/state/sqlite-state-store.ts';
import { cancelOnSignals } from '../cancel-on-signals.ts';
import { stderrLogger } from '../stderr-logger.ts';
import { ATTR, SPAN } from '../../telemetry/attributes.ts';
import { traceRun } from '../../telemetry/run-trace.ts';
import { innerSink } from '../../telemetry/sink-span.ts';
import { withSpan } from '../../telemetry/tracing.ts';
import type { PullFlags } from './pull.ts';
import { clientFrom } from './site-client.ts';
import { productFrom } from './site-options.ts';

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

/** Runs `pull` with its flags; `verbose` logs each window and retry on stderr. Sets the exit code to 1 when sessions were rejected. */
export async function runPull(flags: PullFlags, verbose: boolean): Promise<void> {
  const logger = stderrLogger(verbose);
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
}
