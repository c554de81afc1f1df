/**
 * How long to wait before trying an appliance call again: exponential backoff with full jitter (so a
 * fleet of clients that failed together does not retry together), or the server's own Retry-After.
 */

export interface BackoffOptions {
  /** First retry waits up to this long. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** No computed wait exceeds this. Default 30 000 ms. */
  readonly maxDelayMs?: number;
}

/** A jittered delay for retry number `attempt` (1 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = options.baseDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  // Full jitter, but never less than a tenth of the ceiling so a retry is never instant.
  return Math.round(ceiling * (0.1 + 0.9 * random()));
}

/**
 * Milliseconds a `Retry-After` header asks for: delta-seconds or an HTTP date (relative to the
 * response's own `Date` when present, so a skewed local clock does not distort it). `undefined` when
 * absent or unreadable.
 */
export function retryAfterMs(header: string | string[] | undefined, dateHeader: string | undefined, localNow: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  const serverNow = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader);
  return Math.max(0, at - (Number.isNaN(serverNow) ? localNow : serverNow));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
