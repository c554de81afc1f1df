/**
 * The scheduler daemon behind `sra-etl serve`. A node-cron heartbeat (every second; the old client
 * checked every minute) launches each enabled schedule when its planned slot arrives.
 *
 * - Never two runs of one schedule at once: a schedule still running is not launched again, and the
 *   per-schedule lock in the state store keeps a manual `sra-etl run` (or another daemon) out too.
 *   A slot that comes while the schedule runs elsewhere is skipped, not queued.
 * - Catch-up: a slot that passed while the daemon was down is run once, at start-up, with trigger
 *   `catch-up`; later slots continue in the schedule's phase (one catch-up covers every missed slot,
 *   since each pull resumes from its watermark).
 * - A failed run is retried with exponential backoff (1, 2, 4 … minutes, at most an hour, never later
 *   than the next regular slot).
 * - stop(): no new runs; running ones are aborted (transfers roll back their open batch) and awaited
 *   for a bounded time; whatever is still running then is recorded as cancelled.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { EtlError } from '../errors.ts';
import { redactSecrets } from '../redaction.ts';
import type { ScheduleConfig } from '../config/config-types.ts';
import { describeTiming } from '../config/timing.ts';
import { nextSlotAfterNow, slotAfter } from './next-run.ts';
import { reapInterruptedRuns } from './reap.ts';
import { isProcessAlive, processIsAlive, THIS_PROCESS } from './process-identity.ts';
import { runScheduleOnce, type RunDependencies, type RunOutcome } from './run-schedule.ts';
import type { RunTrigger, ScheduleStateRecord } from './run-history.ts';

export interface RetryPolicy {
  /** First retry delay. Default 60 s. */
  readonly baseMs: number;
  /** Longest retry delay. Default 1 h. */
  readonly maxMs: number;
}

export interface SchedulerOptions extends RunDependencies {
  /** Drive ticks with node-cron. Default true; tests turn it off and call tick(). */
  readonly autoTick?: boolean;
  readonly retry?: RetryPolicy;
  /** How often the daemon's heartbeat is written to the state store. Default 10 s. */
  readonly heartbeatMs?: number;
}

export interface Plan {
  readonly schedule: string;
  readonly slot: Date;
  readonly trigger: RunTrigger;
}

interface InFlight {
  readonly controller: AbortController;
  readonly promise: Promise<void>;
}

export interface StopReport {
  /** Schedules whose run did not stop in time and were recorded as cancelled. */
  readonly forced: readonly string[];
}

/** Backoff for the n-th consecutive failure (n >= 1). */
export function retryDelayMs(failures: number, policy: RetryPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
}

export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #schedules: ReadonlyMap<string, ScheduleConfig>;
  readonly #plans = new Map<string, Plan>();
  readonly #inFlight = new Map<string, InFlight>();
  #task: ScheduledTask | undefined;
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  #startedAt = '';
  #lastHeartbeat = 0;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#schedules = new Map(options.config.schedules.filter((s) => s.enabled).map((s) => [s.name, s]));
  }

  get #me() {
    return this.#options.process ?? THIS_PROCESS;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  get #retry(): RetryPolicy {
    return this.#options.retry ?? { baseMs: 60_000, maxMs: 3_600_000 };
  }

  /** The current plan of every enabled schedule. */
  plans(): Plan[] {
    return [...this.#plans.values()];
  }

  /** Names of schedules running now. */
  running(): string[] {
    return [...this.#inFlight.keys()];
  }

  /**
   * Reaps runs of dead processes, refuses to start beside another live daemon on the same state
   * store, plans every enabled schedule (catching up slots missed while down) and starts ticking.
   */
  start(): Plan[] {
    const { store, logger } = this.#options;
    const me = this.#me;
    const isAlive = this.#options.isAlive ?? processIsAlive;
    const now = this.#now();
    const other = store.schedulerState();
    if (other && other.state !== 'stopped' && isProcessAlive(other, other.heartbeatAt, { me, isAlive, now, staleAfterMs: 60_000 }) && other.instance !== me.instance) {
      throw new EtlError(
        `another sra-etl serve (pid ${other.pid} on ${other.host}, started ${other.startedAt}) already uses the state store ${this.#options.config.state.path}; stop it first, or give this one its own state.path`,
        'busy',
        'scheduling',
      );
    }
    for (const run of reapInterruptedRuns(store, { me, isAlive, now })) {
      logger.warn({ schedule: run.schedule, runId: run.id, pid: run.pid }, 'run left unfinished by a process that ended; marked interrupted');
    }
    this.#startedAt = now.toISOString();
    this.#state = 'running';
    this.#heartbeat(now, true);
    for (const schedule of this.#schedules.values()) this.#planAtStart(schedule, now);
    for (const plan of this.#plans.values()) {
      logger.info({ schedule: plan.schedule, next: plan.slot.toISOString(), trigger: plan.trigger }, plan.trigger === 'catch-up' ? 'missed a run while stopped; catching up now' : 'scheduled');
    }
    if (this.#options.autoTick !== false) {
      this.#task = cron.schedule('* * * * * *', () => this.tick(), { name: 'sra-etl scheduler', noOverlap: true, suppressMissedWarning: true });
    }
    return this.plans();
  }

  #planAtStart(schedule: ScheduleConfig, now: Date): void {
    const { store } = this.#options;
    const state = store.scheduleState(schedule.name);
    const timing = describeTiming(schedule.timing);
    let slot: Date;
    let trigger: RunTrigger = 'scheduled';
    if (state?.nextRunAt && state.timing === timing) {
      slot = new Date(state.nextRunAt);
      trigger = state.nextTrigger ?? 'scheduled';
    } else {
      // First start, or the timing changed: plan from the phase of the last slot served.
      const last = state?.lastSlotAt ? new Date(state.lastSlotAt) : undefined;
      slot = slotAfter(schedule.timing, last, now);
    }
    if (slot.getTime() < now.getTime() && (state?.nextRunAt !== undefined || state?.lastSlotAt !== undefined)) {
      trigger = 'catch-up';
    }
    this.#setPlan(schedule, { schedule: schedule.name, slot, trigger }, state);
  }

  #setPlan(schedule: ScheduleConfig, plan: Plan, state: ScheduleStateRecord | undefined, changes: Partial<ScheduleStateRecord> = {}): void {
    this.#plans.set(schedule.name, plan);
    this.#options.store.saveScheduleState({
      schedule: schedule.name,
      consecutiveFailures: 0,
      ...state,
      ...changes,
      nextRunAt: plan.slot.toISOString(),
      nextTrigger: plan.trigger,
      timing: describeTiming(schedule.timing),
    });
  }

  #heartbeat(now: Date, force = false): void {
    if (!force && now.getTime() - this.#lastHeartbeat < (this.#options.heartbeatMs ?? 10_000)) return;
    this.#lastHeartbeat = now.getTime();
    this.#options.store.saveSchedulerState({
      ...this.#me,
      state: this.#state === 'stopping' ? 'stopping' : this.#state === 'stopped' ? 'stopped' : 'running',
      startedAt: this.#startedAt,
      heartbeatAt: now.toISOString(),
      stoppedAt: this.#state === 'stopped' ? now.toISOString() : undefined,
      configPath: this.#options.config.path,
    });
  }

  /** Launches every schedule whose slot has come and that is not running. Called every second. */
  tick(): void {
    if (this.#state !== 'running') return;
    const now = this.#now();
    try {
      this.#heartbeat(now);
    } catch (error) {
      this.#options.logger.error({ reason: redactSecrets(String(error)) }, 'cannot write the scheduler heartbeat to the state store');
    }
    for (const plan of this.#plans.values()) {
      if (plan.slot.getTime() > now.getTime() || this.#inFlight.has(plan.schedule)) continue;
      const schedule = this.#schedules.get(plan.schedule);
      if (schedule) this.#launch(schedule, plan);
    }
  }

  #launch(schedule: ScheduleConfig, plan: Plan): void {
    const controller = new AbortController();
    const promise = runScheduleOnce(schedule, { trigger: plan.trigger, scheduledFor: plan.slot, signal: controller.signal }, this.#options)
      .then((outcome) => this.#afterRun(schedule, plan, outcome))
      .catch((error: unknown) => {
        // The machinery failed (state store): try again after a backoff rather than spin.
        this.#options.logger.error({ schedule: schedule.name, reason: redactSecrets(String(error)) }, 'run could not be executed');
        const state = this.#options.store.scheduleState(schedule.name);
        const failures = (state?.consecutiveFailures ?? 0) + 1;
        this.#plans.set(schedule.name, { schedule: schedule.name, slot: new Date(this.#now().getTime() + retryDelayMs(failures, this.#retry)), trigger: 'retry' });
      })
      .finally(() => this.#inFlight.delete(schedule.name));
    this.#inFlight.set(schedule.name, { controller, promise });
  }

  #afterRun(schedule: ScheduleConfig, plan: Plan, outcome: RunOutcome): void {
    const { store, logger } = this.#options;
    const now = this.#now();
    const state = store.scheduleState(schedule.name);
    // Retries keep the phase of the regular slots; scheduled and catch-up runs set it.
    const servesSlot = plan.trigger === 'scheduled' || plan.trigger === 'catch-up';
    const lastSlot = servesSlot ? plan.slot : state?.lastSlotAt ? new Date(state.lastSlotAt) : plan.slot;
    const regular = nextSlotAfterNow(schedule.timing, lastSlot, now);
    if (outcome.status === 'busy') {
      const { holder } = outcome;
      logger.warn(
        { schedule: schedule.name, holderPid: holder.pid, holderHost: holder.host, since: holder.since, next: regular.toISOString() },
        'slot skipped: the schedule is already running in another process',
      );
      this.#setPlan(schedule, { schedule: schedule.name, slot: regular, trigger: 'scheduled' }, state, { lastSlotAt: lastSlot.toISOString() });
      return;
    }
    const { run } = outcome;
    if (run.result === 'cancelled' || run.result === 'interrupted') return; // keep the plan: the slot is caught up after restart
    if (run.result === 'succeeded') {
      this.#setPlan(schedule, { schedule: schedule.name, slot: regular, trigger: 'scheduled' }, state, { consecutiveFailures: 0, lastSlotAt: lastSlot.toISOString() });
      return;
    }
    const failures = (state?.consecutiveFailures ?? 0) + 1;
    const retryAt = new Date(now.getTime() + retryDelayMs(failures, this.#retry));
    const next: Plan = retryAt < regular ? { schedule: schedule.name, slot: retryAt, trigger: 'retry' } : { schedule: schedule.name, slot: regular, trigger: 'scheduled' };
    logger.warn({ schedule: schedule.name, failures, next: next.slot.toISOString(), trigger: next.trigger }, 'run failed; will retry');
    this.#setPlan(schedule, next, state, { consecutiveFailures: failures, lastSlotAt: lastSlot.toISOString() });
  }

  /** Resolves when no run is in flight (tests and `run`-like callers). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()].map((f) => f.promise));
  }

  /**
   * Stops ticking, cancels running runs (their transfers roll back the open batch) and waits up to
   * `timeoutMs` for them; runs still going after that are recorded as cancelled.
   */
  async stop(reason: unknown, timeoutMs: number): Promise<StopReport> {
    if (this.#state === 'stopped') return { forced: [] };
    const { store, logger } = this.#options;
    this.#state = 'stopping';
    await this.#task?.destroy();
    this.#task = undefined;
    this.#heartbeat(this.#now(), true);
    const inFlight = [...this.#inFlight.entries()];
    if (inFlight.length > 0) logger.warn({ schedules: inFlight.map(([name]) => name), timeoutMs }, 'stopping: cancelling running runs');
    for (const [, flight] of inFlight) flight.controller.abort(reason);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled(inFlight.map(([, flight]) => flight.promise)).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const forced: string[] = [];
    if (timedOut) {
      for (const name of this.#inFlight.keys()) {
        const holder = store.lockHolder(name);
        if (holder?.runId !== undefined && holder.instance === this.#me.instance) {
          store.finishRun(holder.runId, 'cancelled', this.#now().toISOString(), `did not stop within ${Math.round(timeoutMs / 1000)} s of the stop request; the open batch is rolled back by the destination when the process exits`);
          store.unlock(name, holder);
        }
        forced.push(name);
      }
      logger.error({ schedules: forced }, 'runs did not stop in time; recorded as cancelled');
    }
    this.#state = 'stopped';
    this.#heartbeat(this.#now(), true);
    return { forced };
  }
}
