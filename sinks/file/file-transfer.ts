/**
 * What `pull` and `replay` need for `--types`: which data types go where (recordings and backups
 * only to a file destination, as in the guide), the site backup step, and the lines that report
 * what the file destination stored.
 */
import { ConfigError } from '../../src/errors.ts';
import type { BundleSink, StageContext } from '../../src/stage.ts';
import { innerSink } from '../../src/telemetry/sink-span.ts';
import type { BackupOutcome } from './backup-writer.ts';
import { FileSink } from './file-sink.ts';
import { parseDataTypes, type FileDataType } from './file-sink-options.ts';

/** `--types` as a list (default `sessions`). */
export function dataTypesOption(value: string | readonly string[] | undefined): FileDataType[] {
  if (value === undefined) return ['sessions'];
  return parseDataTypes(typeof value === 'string' ? value : value.join(','));
}

/** Recordings and backups can only be stored in a folder (the guide: not in SQL Server). */
export function requireFileSinkFor(types: readonly FileDataType[], sink: BundleSink, option = '--types'): void {
  const fileOnly = types.filter((type) => type !== 'sessions');
  if (fileOnly.length > 0 && !(innerSink(sink) instanceof FileSink)) {
    throw new ConfigError(`${option} ${fileOnly.join(',')}: recordings and backups can only be stored in a folder (--to file:<dir>), not in a ${sink.type} destination; store them with a second run`, { code: 'usage' });
  }
}

/**
 * The state-store identity of a destination for these types: a run storing other types into the
 * same destination keeps its own watermark, so adding recordings later still fetches them for
 * sessions already loaded. Plain sessions keep the bare destination name.
 */
export function stateTarget(destination: string, types: readonly FileDataType[]): string {
  const others = types.filter((type) => type !== 'backups');
  if (others.length === 1 && others[0] === 'sessions') return destination;
  return `${destination} [${[...others].sort().join(',')}]`;
}

/** Whether the run needs the session reports at all (a backups-only run does not). */
export function needsSessionReports(types: readonly FileDataType[]): boolean {
  return types.some((type) => type !== 'backups');
}

/** Takes one site backup when `backups` is among the types; the sink is connected (and stays open). */
export async function storeBackupIfAsked(sink: BundleSink, types: readonly FileDataType[], ctx: StageContext): Promise<BackupOutcome | undefined> {
  const files = innerSink(sink);
  if (!types.includes('backups') || !(files instanceof FileSink)) return undefined;
  try {
    await sink.connect(ctx);
    return await files.storeBackup(ctx);
  } catch (error) {
    await sink.abort(error);
    throw error;
  }
}

/** Sessions named per line of missing recordings; the log and the manifest have them all. */
const MAX_LISTED = 10;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Summary lines of what a file destination stored (none for other destinations). */
export function fileSummaryLines(sink: BundleSink): string[] {
  const files = innerSink(sink);
  if (!(files instanceof FileSink)) return [];
  const { sessionFiles: s, recordings: r, missing, knownMissing, backups, staleTempsRemoved } = files.report;
  const lines: string[] = [];
  if (s.created + s.overwritten + s.skipped + s.unchanged > 0) {
    lines.push(`  XML files     ${s.created} written, ${s.overwritten} overwritten, ${s.unchanged} unchanged, ${s.skipped} skipped (name taken)`);
  }
  const fetched = r.created + r.overwritten;
  if (fetched + r.skipped + r.alreadyComplete + r.unchanged + missing.length + knownMissing > 0) {
    lines.push(`  recordings    ${fetched} downloaded (${mb(r.bytes)}), ${r.alreadyComplete + r.unchanged} already stored, ${r.skipped} skipped (name taken)`);
  }
  for (const status of ['expired', 'unavailable'] as const) {
    const these = missing.filter((m) => m.status === status);
    if (these.length === 0) continue;
    const sessions = new Set(these.map((m) => m.lsid));
    const shown = [...sessions].slice(0, MAX_LISTED);
    const more = sessions.size - shown.length;
    lines.push(`  ${status.padEnd(13)} ${these.length} recording(s) of ${sessions.size} session(s) (${these[0]?.message ?? ''}): ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  if (knownMissing > 0) lines.push(`  not asked     ${knownMissing} recording(s) an earlier run found expired or unavailable`);
  for (const b of backups) {
    lines.push(`  backup        ${b.outcome === 'skipped' ? 'skipped, name taken:' : b.outcome} ${b.path} (${mb(b.bytes)})${b.removed.length > 0 ? `; ${b.removed.length} older removed (retention)` : ''}`);
  }
  if (staleTempsRemoved > 0) lines.push(`  cleaned       ${staleTempsRemoved} unfinished download(s) left by an interrupted run`);
  return lines;
}
