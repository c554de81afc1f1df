/**
 * Run history in the SQLite state store (node:sqlite). Tables (all times ISO-8601 UTC text):
 *
 * - `run`: one row per run of a schedule: trigger, slot served, start/finish, result and reason,
 *   host and pid of the process that ran it.
 * - `run_transfer`: one row per transfer of a run: site, destination, data types, result, reason,
 *   error code, counts.
 * - `schedule_state`: per schedule, the planned next slot and trigger, the failure streak, the last
 *   slot served, the last failure notification, and the run lock (holder host/pid/run, heartbeat).
 * - `scheduler_state`: the daemon's pid, host, state and heartbeat (one row).
 *
 * The tables are migration 2 of the state database (sqlite-state-migrations.ts), beside the pull's
 * watermarks, sessions in progress and backfill jobs, which this class also summarises for `status`.
 * WAL and a busy timeout let `sra-etl status` and `sra-etl run` read and lock while `serve` writes.
 */
import { DatabaseSync } from 'node:sqlite';
import type { DataType } from '../../src/config/config-types.ts';
import type {
  FinishTransferInput, LockHolder, LockOwner, LockResult, PullStreamState, RunHistoryStore, RunRecord, RunResult, RunTrigger, ScheduleStateRecord,
  SchedulerStateRecord, StartRunInput, TransferRunRecord,
} from '../../src/scheduler/run-history.ts';
import { SqliteStateStore } from './sqlite-state-store.ts';

type Row = Record<string, string | number | null>;

const text = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value));

export class SqliteRunHistory implements RunHistoryStore {
  readonly #db: DatabaseSync;

  /** Opens (creating file and folders when missing) and migrates the state database at `path`. */
  constructor(path: string) {
    // The pull's state store owns the file's schema and its migrations (ours among them).
    void new SqliteStateStore(path).close();
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA busy_timeout = 10000');
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = FULL');
    this.#db.exec('PRAGMA foreign_keys = ON');
  }

  /** BEGIN IMMEDIATE: takes the write lock up front, so read-then-write (the run lock) is atomic across processes. */
  #transaction<T>(body: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #ensureSchedule(schedule: string): void {
    this.#db.prepare('INSERT INTO schedule_state (schedule) VALUES (?) ON CONFLICT (schedule) DO NOTHING').run(schedule);
  }

  tryLock(schedule: string, owner: LockOwner, now: string, isAlive: (holder: LockHolder) => boolean): LockResult {
    return this.#transaction(() => {
      this.#ensureSchedule(schedule);
      const holder = this.lockHolder(schedule);
      if (holder && (holder.instance === owner.instance || isAlive(holder))) return { acquired: false, holder };
      this.#db
        .prepare('UPDATE schedule_state SET lock_host = ?, lock_pid = ?, lock_instance = ?, lock_run_id = ?, lock_since = ?, lock_heartbeat_at = ? WHERE schedule = ?')
        .run(owner.host, owner.pid, owner.instance, owner.runId ?? null, now, now, schedule);
      return { acquired: true };
    });
  }

  heartbeatLock(schedule: string, owner: LockOwner, now: string): void {
    this.#db
      .prepare('UPDATE schedule_state SET lock_heartbeat_at = ?, lock_run_id = COALESCE(?, lock_run_id) WHERE schedule = ? AND lock_instance = ?')
      .run(now, owner.runId ?? null, schedule, owner.instance);
  }

  unlock(schedule: string, owner: LockOwner): void {
    this.#db
      .prepare('UPDATE schedule_state SET lock_host = NULL, lock_pid = NULL, lock_instance = NULL, lock_run_id = NULL, lock_since = NULL, lock_heartbeat_at = NULL WHERE schedule = ? AND lock_instance = ?')
      .run(schedule, owner.instance);
  }

  lockHolder(schedule: string): LockHolder | undefined {
    const row = this.#db.prepare('SELECT lock_host, lock_pid, lock_instance, lock_run_id, lock_since, lock_heartbeat_at FROM schedule_state WHERE schedule = ?').get(schedule) as Row | undefined;
    if (!row || row.lock_host === null || row.lock_pid === null || row.lock_instance === null) return undefined;
    return {
      host: String(row.lock_host),
      pid: Number(row.lock_pid),
      instance: String(row.lock_instance),
      runId: row.lock_run_id === null ? undefined : Number(row.lock_run_id),
      since: String(row.lock_since),
      heartbeatAt: String(row.lock_heartbeat_at),
    };
  }

  startRun(input: StartRunInput): number {
    return this.#transaction(() => {
      const result = this.#db
        .prepare("INSERT INTO run (schedule, trigger, scheduled_for, started_at, result, host, pid, instance) VALUES (?, ?, ?, ?, 'running', ?, ?, ?)")
        .run(input.schedule, input.trigger, input.scheduledFor ?? null, input.startedAt, input.process.host, input.process.pid, input.process.instance);
      const runId = Number(result.lastInsertRowid);
      const insert = this.#db.prepare("INSERT INTO run_transfer (run_id, transfer_index, site, destination, data, result) VALUES (?, ?, ?, ?, ?, 'running')");
      for (const transfer of input.transfers) insert.run(runId, transfer.index, transfer.site, transfer.destination, transfer.data.join(','));
      return runId;
    });
  }

  finishTransfer(input: FinishTransferInput): void {
    this.#db
      .prepare(
        `UPDATE run_transfer SET started_at = ?, finished_at = ?, result = ?, reason = ?, error_code = ?, detail = ?, sessions = ?, files = ?, bytes = ?
         WHERE run_id = ? AND transfer_index = ?`,
      )
      .run(
        input.startedAt, input.finishedAt, input.result, input.reason ?? null, input.errorCode ?? null, input.detail ?? null,
        input.sessions ?? 0, input.files ?? 0, input.bytes ?? 0, input.runId, input.index,
      );
  }

  finishRun(runId: number, result: Exclude<RunResult, 'running'>, finishedAt: string, reason?: string): void {
    this.#transaction(() => {
      this.#db.prepare('UPDATE run SET result = ?, finished_at = ?, reason = ? WHERE id = ?').run(result, finishedAt, reason ?? null, runId);
      // Transfers that never reported (the run was cancelled or its process died) share the run's fate.
      this.#db
        .prepare("UPDATE run_transfer SET result = ?, finished_at = ?, reason = COALESCE(reason, ?) WHERE run_id = ? AND result = 'running'")
        .run(result, finishedAt, reason ?? null, runId);
    });
  }

  #transfers(runId: number): TransferRunRecord[] {
    const rows = this.#db.prepare('SELECT * FROM run_transfer WHERE run_id = ? ORDER BY transfer_index').all(runId) as Row[];
    return rows.map((row) => ({
      index: Number(row.transfer_index),
      site: String(row.site),
      destination: String(row.destination),
      data: String(row.data).split(',').filter(Boolean) as DataType[],
      startedAt: text(row.started_at),
      finishedAt: text(row.finished_at),
      result: String(row.result) as RunResult,
      reason: text(row.reason),
      errorCode: text(row.error_code),
      detail: text(row.detail),
      sessions: Number(row.sessions),
      files: Number(row.files),
      bytes: Number(row.bytes),
    }));
  }

  #run(row: Row): RunRecord {
    return {
      id: Number(row.id),
      schedule: String(row.schedule),
      trigger: String(row.trigger) as RunTrigger,
      scheduledFor: text(row.scheduled_for),
      startedAt: String(row.started_at),
      finishedAt: text(row.finished_at),
      result: String(row.result) as RunResult,
      reason: text(row.reason),
      host: String(row.host),
      pid: Number(row.pid),
      instance: String(row.instance),
      transfers: this.#transfers(Number(row.id)),
    };
  }

  run(runId: number): RunRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM run WHERE id = ?').get(runId) as Row | undefined;
    return row ? this.#run(row) : undefined;
  }

  recentRuns(schedule: string, limit: number): RunRecord[] {
    return (this.#db.prepare('SELECT * FROM run WHERE schedule = ? ORDER BY id DESC LIMIT ?').all(schedule, limit) as Row[]).map((row) => this.#run(row));
  }

  lastFinishedRun(schedule: string): RunRecord | undefined {
    const row = this.#db.prepare("SELECT * FROM run WHERE schedule = ? AND result <> 'running' ORDER BY id DESC LIMIT 1").get(schedule) as Row | undefined;
    return row ? this.#run(row) : undefined;
  }

  lastSuccessfulRun(schedule: string): RunRecord | undefined {
    const row = this.#db.prepare("SELECT * FROM run WHERE schedule = ? AND result = 'succeeded' ORDER BY id DESC LIMIT 1").get(schedule) as Row | undefined;
    return row ? this.#run(row) : undefined;
  }

  runningRuns(): RunRecord[] {
    return (this.#db.prepare("SELECT * FROM run WHERE result = 'running' ORDER BY id").all() as Row[]).map((row) => this.#run(row));
  }

  scheduleState(schedule: string): ScheduleStateRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM schedule_state WHERE schedule = ?').get(schedule) as Row | undefined;
    if (!row) return undefined;
    return {
      schedule,
      nextRunAt: text(row.next_run_at),
      nextTrigger: text(row.next_trigger) as RunTrigger | undefined,
      timing: text(row.timing),
      consecutiveFailures: Number(row.consecutive_failures),
      lastSlotAt: text(row.last_slot_at),
      notifiedAt: text(row.notified_at),
      notifiedReason: text(row.notified_reason),
    };
  }

  saveScheduleState(state: ScheduleStateRecord): void {
    this.#transaction(() => {
      this.#ensureSchedule(state.schedule);
      this.#db
        .prepare('UPDATE schedule_state SET next_run_at = ?, next_trigger = ?, timing = ?, consecutive_failures = ?, last_slot_at = ? WHERE schedule = ?')
        .run(state.nextRunAt ?? null, state.nextTrigger ?? null, state.timing ?? null, state.consecutiveFailures, state.lastSlotAt ?? null, state.schedule);
    });
  }

  recordNotification(schedule: string, notifiedAt: string | undefined, notifiedReason: string | undefined): void {
    this.#transaction(() => {
      this.#ensureSchedule(schedule);
      this.#db.prepare('UPDATE schedule_state SET notified_at = ?, notified_reason = ? WHERE schedule = ?').run(notifiedAt ?? null, notifiedReason ?? null, schedule);
    });
  }

  pullStreams(): PullStreamState[] {
    const iso = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();
    const streams = new Map<string, { site: string; product: string; target: string; watermark?: string; watermarkUpdatedAt?: string; inProgress: number; oldestInProgressStart?: string; backfills: PullStreamState['backfills'][number][] }>();
    const stream = (row: Row) => {
      const key = `${String(row.site)}\u0000${String(row.product)}\u0000${String(row.target)}`;
      let entry = streams.get(key);
      if (!entry) {
        entry = { site: String(row.site), product: String(row.product), target: String(row.target), inProgress: 0, backfills: [] };
        streams.set(key, entry);
      }
      return entry;
    };
    for (const row of this.#db.prepare('SELECT site, product, target, until_time, updated_at FROM watermark ORDER BY site, product, target').all() as Row[]) {
      Object.assign(stream(row), { watermark: iso(row.until_time), watermarkUpdatedAt: String(row.updated_at) });
    }
    for (const row of this.#db.prepare('SELECT site, product, target, COUNT(*) AS n, MIN(start_time) AS oldest FROM in_progress_session GROUP BY site, product, target').all() as Row[]) {
      Object.assign(stream(row), { inProgress: Number(row.n), oldestInProgressStart: iso(row.oldest) });
    }
    for (const row of this.#db.prepare('SELECT site, product, target, job_id, from_time, to_time, done_until FROM backfill_job ORDER BY started_at').all() as Row[]) {
      stream(row).backfills.push({ id: String(row.job_id), from: iso(row.from_time), to: iso(row.to_time), doneUntil: iso(row.done_until) });
    }
    return [...streams.values()];
  }

  schedulerState(): SchedulerStateRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM scheduler_state WHERE id = 1').get() as Row | undefined;
    if (!row) return undefined;
    return {
      host: String(row.host),
      pid: Number(row.pid),
      instance: String(row.instance),
      state: String(row.state) as SchedulerStateRecord['state'],
      startedAt: String(row.started_at),
      heartbeatAt: String(row.heartbeat_at),
      stoppedAt: text(row.stopped_at),
      configPath: String(row.config_path),
    };
  }

  saveSchedulerState(state: SchedulerStateRecord): void {
    this.#db
      .prepare(
        `INSERT INTO scheduler_state (id, host, pid, instance, state, started_at, heartbeat_at, stopped_at, config_path) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, instance = excluded.instance, state = excluded.state, started_at = excluded.started_at,
           heartbeat_at = excluded.heartbeat_at, stopped_at = excluded.stopped_at, config_path = excluded.config_path`,
      )
      .run(state.host, state.pid, state.instance, state.state, state.startedAt, state.heartbeatAt, state.stoppedAt ?? null, state.configPath);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
