/**
 * Fault injection for the simulator: what a flaky appliance, proxy or network does to a client.
 * Faults come from scheduled rules (a test says "the 3rd AccessSession request gets a connection
 * reset after 10 000 bytes") and from a seeded random rate (the CLI's `--fault-rate`), so runs are
 * reproducible either way.
 */
import { Prng } from '../../fixtures/generator/prng.ts';

/**
 * - `rate_limit`: HTTP 429 with Retry-After (`retryAfterSeconds`, default 1).
 * - `server_error`: HTTP 500.
 * - `unauthorized`: HTTP 401 and the presented token is revoked, as when it expired early.
 * - `reset`: the connection is destroyed after `afterBytes` body bytes (default 2048).
 * - `truncate`: the response ends cleanly after `afterBytes` body bytes: the document is cut short.
 * - `slow`: each body chunk is delayed by `delayMs` (default 200).
 */
export type FaultKind = 'rate_limit' | 'server_error' | 'unauthorized' | 'reset' | 'truncate' | 'slow';

export const FAULT_KINDS: readonly FaultKind[] = ['rate_limit', 'server_error', 'unauthorized', 'reset', 'truncate', 'slow'];

export interface Fault {
  readonly kind: FaultKind;
  readonly retryAfterSeconds?: number;
  readonly afterBytes?: number;
  readonly delayMs?: number;
  /** Set on faults drawn by the random rate (not scheduled by a rule). */
  readonly random?: boolean;
}

/** Which requests a rule applies to. Every given field must match. */
export interface FaultMatch {
  /** Request path, e.g. `/api/reporting`, `/oauth2/token`, `/api/backup`. */
  readonly path?: string;
  /** `generate_report` value, e.g. `AccessSession`. */
  readonly report?: string;
}

export interface FaultRule {
  readonly match?: FaultMatch;
  readonly fault: Fault;
  /** Let this many matching requests through first. Default 0. */
  readonly skip?: number;
  /** How many matching requests get the fault. Default 1; `Infinity` for all. */
  readonly times?: number;
}

export interface RandomFaults {
  /** Probability that an API request (token requests excluded) gets a fault. */
  readonly rate: number;
  /** Kinds to choose from. Default all. */
  readonly kinds?: readonly FaultKind[];
  readonly seed?: string | number;
}

export interface RequestInfo {
  readonly path: string;
  readonly report: string | undefined;
}

interface ActiveRule {
  readonly rule: FaultRule;
  skipLeft: number;
  timesLeft: number;
}

/** The programmatic fault API (`sim.faults`). */
export class FaultPlan {
  readonly #rules: ActiveRule[] = [];
  #random: RandomFaults | undefined;
  #prng: Prng | undefined;

  constructor(random?: RandomFaults) {
    this.setRandom(random);
  }

  /** Schedules a fault for upcoming matching requests. */
  add(rule: FaultRule): void {
    this.#rules.push({ rule, skipLeft: rule.skip ?? 0, timesLeft: rule.times ?? 1 });
  }

  /** Turns random faults on (or off with `undefined`). */
  setRandom(random: RandomFaults | undefined): void {
    this.#random = random !== undefined && random.rate > 0 ? random : undefined;
    this.#prng = this.#random === undefined ? undefined : new Prng(this.#random.seed ?? 1, 'faults');
  }

  /** Drops every scheduled rule and random fault. */
  clear(): void {
    this.#rules.length = 0;
    this.setRandom(undefined);
  }

  /** Scheduled rules that have not fired out yet. */
  get pending(): number {
    return this.#rules.filter((active) => active.timesLeft > 0).length;
  }

  /** The fault for this request, if any (consumes a scheduled rule). */
  next(request: RequestInfo): Fault | undefined {
    for (const active of this.#rules) {
      if (active.timesLeft <= 0 || !matches(active.rule.match, request)) continue;
      if (active.skipLeft > 0) {
        active.skipLeft--;
        continue;
      }
      active.timesLeft--;
      return active.rule.fault;
    }
    if (this.#random !== undefined && this.#prng !== undefined && request.path !== '/oauth2/token' && this.#prng.chance(this.#random.rate)) {
      const kinds = this.#random.kinds ?? FAULT_KINDS;
      const kind = this.#prng.pick(kinds);
      return { kind, afterBytes: this.#prng.int(64, 16_384), delayMs: 50, retryAfterSeconds: 1, random: true };
    }
    return undefined;
  }
}

function matches(match: FaultMatch | undefined, request: RequestInfo): boolean {
  if (match === undefined) return true;
  if (match.path !== undefined && match.path !== request.path) return false;
  if (match.report !== undefined && match.report !== request.report) return false;
  return true;
}
