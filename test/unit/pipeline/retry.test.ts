import { describe, expect, it } from 'vitest';
import { backoffMs, withRetry } from '../../../src/pipeline/retry.ts';

const policy = { attempts: 4, baseMs: 10, maxMs: 25 };

describe('withRetry', () => {
  it('retries retriable failures with growing, capped waits, then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(async (attempt) => {
      calls++;
      if (attempt < 4) throw new Error(`transient ${attempt}`);
      return 'done';
    }, policy, { isRetriable: () => true, random: () => 0.999, onRetry: (_e, _a, wait) => { waits.push(wait); } });
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(waits).toEqual([9, 19, 24]); // ceilings 10, 20, 25 (capped), full jitter just below each
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw new Error(`fail ${calls}`);
    }, policy, { isRetriable: () => true, random: () => 0 })).rejects.toThrow('fail 4');
    expect(calls).toBe(4);
  });

  it('does not retry what is not retriable', async () => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw new Error('constraint');
    }, policy, { isRetriable: () => false })).rejects.toThrow('constraint');
    expect(calls).toBe(1);
  });

  it('stops waiting when the run is cancelled', async () => {
    const controller = new AbortController();
    const started = withRetry(async () => {
      throw new Error('down');
    }, { attempts: 5, baseMs: 60_000, maxMs: 60_000 }, { isRetriable: () => true, random: () => 0.5, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled')), 10);
    await expect(started).rejects.toThrow('cancelled');
  });

  it('computes full-jitter backoff within [0, min(max, base * 2^(n-1)))', () => {
    expect(backoffMs(policy, 1, () => 0)).toBe(0);
    expect(backoffMs(policy, 3, () => 0.5)).toBe(12);
    expect(backoffMs(policy, 10, () => 0.5)).toBe(12);
  });
});
