/**
 * Retry with exponential backoff and full jitter (each wait is uniform in [0, min(max, base * 2^n)]),
 * for transient failures only: the caller decides what is retriable. Waits end early when the run is
 * cancelled.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Total attempts, the first included. Default 5. */
  readonly attempts: number;
  /** First backoff ceiling in milliseconds. Default 200. */
  readonly baseMs: number;
  /** Largest backoff in milliseconds. Default 10000. */
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 200, maxMs: 10_000 };

export interface RetryHooks {
  readonly isRetriable: (error: unknown) => boolean;
  readonly signal?: AbortSignal;
  /** Called before each wait; `attempt` is the 1-based attempt that failed. */
  readonly onRetry?: (error: unknown, attempt: number, waitMs: number) => void | Promise<void>;
  /** Random source in [0, 1) for the jitter; tests pass a constant. */
  readonly random?: () => number;
}

/** The wait before attempt `attempt + 1`. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `fn` until it succeeds, throws a non-retriable error, or runs out of attempts (then the last
 * error is thrown). `fn` gets the 1-based attempt number.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !hooks.isRetriable(error) || hooks.signal?.aborted === true) throw error;
      const wait = backoffMs(policy, attempt, hooks.random);
      await hooks.onRetry?.(error, attempt, wait);
      const signal = hooks.signal;
      if (signal === undefined) await sleep(wait);
      else await sleep(wait, undefined, { signal }).catch(() => signal.throwIfAborted());
    }
  }
}
