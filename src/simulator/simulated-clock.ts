/**
 * The simulator's clock. `manual` time moves only when a test calls advance()/set(), so a test can
 * let sessions close or tokens expire on cue; `real` time starts at a chosen instant and runs with
 * the wall clock (the CLI and the demo).
 */

export interface SimulatedClock {
  /** Current simulated time, ms since the epoch. */
  now(): number;
  /** Moves time forward (or back, with a negative value). */
  advance(ms: number): void;
  /** Jumps to an absolute time. */
  set(ms: number): void;
  readonly mode: 'manual' | 'real';
}

export function createClock(start: number, mode: 'manual' | 'real'): SimulatedClock {
  let base = start;
  let startedAt = performance.now();
  return {
    mode,
    now: () => (mode === 'manual' ? base : base + Math.floor(performance.now() - startedAt)),
    advance(ms: number) {
      base += ms;
    },
    set(ms: number) {
      base = ms;
      startedAt = performance.now();
    },
  };
}
