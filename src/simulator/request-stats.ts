/**
 * What the simulator counts: requests by path, report and status, tokens issued, faults injected,
 * bytes sent, and the highest number of requests that arrived within any one second (sliding window
 * on the real clock), so tests can check a client's rate limit from the server's side.
 */

export interface SimulatorStats {
  /** API requests (control endpoints excluded). */
  requests: number;
  byPath: Record<string, number>;
  /** `/api/reporting` requests by `generate_report`. */
  byReport: Record<string, number>;
  byStatus: Record<string, number>;
  tokensIssued: number;
  faultsInjected: Record<string, number>;
  /** 429s sent because the configured rate limit was exceeded (not injected faults). */
  rateLimited: number;
  /** Most requests that arrived within any 1000 ms. */
  maxRequestsPerSecond: number;
  bodyBytesSent: number;
}

export function emptyStats(): SimulatorStats {
  return { requests: 0, byPath: {}, byReport: {}, byStatus: {}, tokensIssued: 0, faultsInjected: {}, rateLimited: 0, maxRequestsPerSecond: 0, bodyBytesSent: 0 };
}

/** Sliding one-second window of request arrival times. */
export class RateWindow {
  readonly #arrivals: number[] = [];

  /** Records an arrival; returns how many arrived within the last second, this one included. */
  record(at: number = performance.now()): number {
    this.#arrivals.push(at);
    while (this.#arrivals.length > 0 && (this.#arrivals[0] as number) <= at - 1000) this.#arrivals.shift();
    return this.#arrivals.length;
  }

  /** Arrivals within the last second, without recording one. */
  current(at: number = performance.now()): number {
    return this.#arrivals.filter((t) => t > at - 1000).length;
  }
}

export function bump(counter: Record<string, number>, key: string, by = 1): void {
  counter[key] = (counter[key] ?? 0) + by;
}
