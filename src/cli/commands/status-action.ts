/**
 * What `sra-etl status` does (registered in status.ts): build the scheduler's and schedules' status
 * from the configuration and run history, and print it as a table or JSON.
 */
import { reapInterruptedRuns } from '../../scheduler/reap.ts';
import { buildStatus, type ScheduleStatus, type StatusReport } from '../../scheduler/status.ts';
import type { RunRecord } from '../../scheduler/run-history.ts';
import { duration, localDateTime, table, when } from '../human-time.ts';
import { loadConfigFrom, openExistingRunHistory } from '../runtime.ts';

function schedulerLine(report: StatusReport, now: Date): string {
  const s = report.scheduler;
  const who = s.pid !== undefined ? `pid ${s.pid} on ${s.host}` : '';
  switch (s.state) {
    case 'never':
      return 'Scheduler: not running (no `sra-etl serve` has used this state store yet)';
    case 'running':
    case 'stopping':
      return `Scheduler: ${s.state}, ${who}, since ${when(s.startedAt, now)}; last heartbeat ${s.heartbeatAt ? `${duration(now.getTime() - Date.parse(s.heartbeatAt))} ago` : '-'}`;
    case 'stopped':
      return `Scheduler: stopped at ${when(s.stoppedAt, now)} (was ${who})`;
    case 'dead':
      return `Scheduler: not running; ${who} ended without stopping (crash or kill) after its last heartbeat ${when(s.heartbeatAt, now)}`;
  }
}

function resultCell(schedule: ScheduleStatus): string {
  const run = schedule.lastRun;
  if (!run) return '-';
  return schedule.consecutiveFailures > 1 && run.result === 'failed' ? `failed x${schedule.consecutiveFailures}` : run.result;
}

function nextCell(schedule: ScheduleStatus, report: StatusReport, now: Date): string {
  if (!schedule.enabled) return 'disabled';
  const next = schedule.nextRun;
  if (!next) return '-';
  const retry = next.trigger === 'retry' ? ', retry' : '';
  if (report.scheduler.state !== 'running' && next.overdue) {
    return next.planned ? `overdue since ${localDateTime(new Date(next.at))}: caught up when serve starts` : 'at once when serve starts';
  }
  if (next.overdue || Date.parse(next.at) <= now.getTime()) return `now${retry}`;
  return `${when(next.at, now)}${retry}`;
}

function runLines(run: RunRecord, now: Date): string[] {
  const took = run.finishedAt ? ` in ${duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}` : '';
  const lines = [`    last run #${run.id} (${run.trigger}) ${run.result} ${when(run.finishedAt ?? run.startedAt, now)}${took}`];
  for (const t of run.transfers) {
    const counts = t.result === 'succeeded' ? `: ${t.sessions} sessions, ${t.files} files, ${(t.bytes / 1_048_576).toFixed(1)} MB${t.detail ? `, ${t.detail}` : ''}` : '';
    lines.push(`      ${t.index + 1}. ${t.site} -> ${t.destination} [${t.data.join(', ')}] ${t.result}${t.errorCode && t.result === 'failed' ? ` (${t.errorCode})` : ''}${counts}`);
    if (t.reason && t.result !== 'succeeded') lines.push(`         ${t.reason}`);
  }
  return lines;
}

export function formatStatus(report: StatusReport, now: Date): string {
  const rows = report.schedules.map((s) => [
    s.name,
    String(s.transfers.length),
    s.period,
    s.lastRun ? when(s.lastRun.finishedAt ?? s.lastRun.startedAt, now) : 'never',
    resultCell(s),
    nextCell(s, report, now),
  ]);
  const out = [
    schedulerLine(report, now),
    `Config:    ${report.config}`,
    `State:     ${report.stateStore}`,
    '',
    table(['Schedule Name', 'Transfers', 'Period', 'Last Run', 'Result', 'Next Run'], rows),
  ];
  for (const s of report.schedules) {
    out.push('', `  ${s.name}`);
    if (s.running) out.push(`    running now: run #${s.running.runId ?? '?'} since ${when(s.running.since, now)} (pid ${s.running.pid} on ${s.running.host})`);
    if (s.lastRun) out.push(...runLines(s.lastRun, now));
    else out.push('    no run yet');
    if (s.lastRun && s.lastRun.result !== 'succeeded') out.push(`    last success: ${s.lastSuccessAt ? when(s.lastSuccessAt, now) : 'never'}`);
  }
  if (report.pulls.length > 0) {
    out.push('', 'Incremental pulls (watermark: every session that began before it is loaded; sessions in progress are re-read until they close)');
    const rows = report.pulls.map((p) => [
      p.site,
      p.product,
      p.target,
      p.watermark ? when(p.watermark, now) : '-',
      String(p.inProgress),
      p.backfills.map((b) => `${b.from.slice(0, 10)}..${b.to.slice(0, 10)} done to ${b.doneUntil.slice(0, 16)}`).join('; ') || '-',
    ]);
    out.push(table(['Site', 'Product', 'Destination', 'Watermark', 'In progress', 'Unfinished backfill'], rows).split('\n').map((line) => `  ${line}`).join('\n'));
  }
  return `${out.join('\n')}\n`;
}

/** Prints the status to stdout (`json`: as JSON, times in ISO-8601 UTC). */
export async function printStatus(flags: { readonly config?: string; readonly json?: boolean }): Promise<void> {
  const config = loadConfigFrom(flags.config, { resolveSecrets: false });
  const store = await openExistingRunHistory(config);
  try {
    const now = new Date();
    if (store) reapInterruptedRuns(store, { now });
    const report = buildStatus(config, store, { now });
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, now));
  } finally {
    store?.close();
  }
}
