/**
 * The simulator's sessions: `count` seeded sessions whose starts are spread evenly from `from`, each
 * placed by the generator's planSession (pure, so any window is found without building the others).
 * A session exists for the appliance once its start has passed on the appliance clock, and is shown
 * as the appliance would show it at that moment: in progress (no end time, no Session End, no URLs)
 * until its end, closed afterwards.
 */
import type { Product, SessionBundle } from '../records.ts';
import { planSession, type ReportOptions } from '../../fixtures/generator/generate-report.ts';
import { Prng, syntheticLsid } from '../../fixtures/generator/prng.ts';
import { plannedRecording, syntheticSession, type SessionPlan } from '../../fixtures/generator/synthetic-session.ts';

export interface DatasetOptions {
  readonly seed: string | number;
  readonly product: Product;
  /** Site host used in the sessions' download URLs. */
  readonly host: string;
  /** Number of sessions in the data set. */
  readonly count: number;
  /** UNIX seconds at which the first session may start. */
  readonly from: number;
  /** Average seconds between session starts (>= 1). */
  readonly spacingSeconds: number;
  /** Share of recordings that are past retention (answered with the "expired" error). */
  readonly expiredRecordingRate: number;
}

/** A session at a given appliance time. */
export interface VisibleSession {
  readonly index: number;
  readonly plan: SessionPlan;
  readonly inProgress: boolean;
}

export class Dataset {
  readonly options: DatasetOptions;
  readonly #reportOptions: ReportOptions;
  #lsidIndex: Map<string, number> | undefined;

  constructor(options: DatasetOptions) {
    this.options = options;
    this.#reportOptions = { seed: options.seed, product: options.product, host: options.host, from: options.from, spacingSeconds: options.spacingSeconds };
  }

  plan(index: number): SessionPlan {
    return planSession(this.#reportOptions, index);
  }

  lsid(index: number): string {
    return syntheticLsid(this.options.seed, index);
  }

  /** The session as the appliance reports it at `asOf` (UNIX seconds). */
  render(index: number, asOf: number): SessionBundle {
    return syntheticSession({ ...this.plan(index), asOf });
  }

  /** The session as it is once closed: what a destination must hold at the end of every test. */
  final(index: number): SessionBundle {
    return syntheticSession(this.plan(index));
  }

  /** Indexes of sessions that began in [from, to] (UNIX seconds) and before `now`, in start order. */
  *startedBetween(from: number, to: number, now: number): Generator<number> {
    const { count, spacingSeconds } = this.options;
    const upper = Math.min(to, now);
    if (upper < from) return;
    const first = Math.max(0, Math.floor((from - this.options.from) / spacingSeconds) - 1);
    const last = Math.min(count - 1, Math.floor((upper - this.options.from) / spacingSeconds));
    for (let index = first; index <= last; index++) {
      const { start } = this.plan(index);
      if (start >= from && start <= upper) yield index;
    }
  }

  /** Indexes of sessions that ended in [from, to] and before `now` (closed sessions only). */
  *endedBetween(from: number, to: number, now: number): Generator<number> {
    const upper = Math.min(to, now);
    // A session lasts at most 4 hours (planSession), so only starts from 4 h earlier can end here.
    for (const index of this.startedBetween(from - 4 * 3600 - 1, upper, now)) {
      const { end } = this.plan(index);
      if (end >= from && end <= upper) yield index;
    }
  }

  /** The index of an lsid, or `undefined` for an lsid this data set does not have. */
  indexOf(lsid: string): number | undefined {
    if (this.#lsidIndex === undefined) {
      this.#lsidIndex = new Map();
      for (let index = 0; index < this.options.count; index++) this.#lsidIndex.set(this.lsid(index), index);
    }
    return this.#lsidIndex.get(lsid);
  }

  /** Whether session `index` has a screen recording at `asOf` (recordings exist once a session ended). */
  hasRecording(index: number, asOf: number): boolean {
    const plan = this.plan(index);
    return asOf >= plan.end && plannedRecording(plan);
  }

  /** Whether the recordings of session `index` are past retention. */
  recordingExpired(index: number): boolean {
    return new Prng(this.options.seed, `expired:${index}`).chance(this.options.expiredRecordingRate);
  }
}
