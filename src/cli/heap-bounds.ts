/**
 * Keeps a batch command's memory flat. Parsing a report allocates hundreds of MB per second of
 * short-lived objects, and V8's default heuristics answer that by growing the young generation to
 * about 130 MB and letting the old generation grow to several times what is live; both stay
 * resident. Measured on a 200 MB report (replay to JSON Lines): peak RSS 330 MB with the defaults,
 * about 170 MB with these bounds, for the same CPU time.
 *
 * The bounds are V8 flags set at run time (`v8.setFlagsFromString`): `--heap-growing-percent`,
 * and, once the young generation has reached its cap, `--semi-space-growth-factor=1` so it grows
 * no further. Both are read by the garbage collector when it runs; should a future V8 ignore them,
 * the only effect is the default memory use (the memory test in test/e2e would then fail).
 */
import v8 from 'node:v8';

export interface HeapBounds {
  /** Young generation size (both semi-spaces) beyond which it stops growing, in MB. Default 16. */
  readonly youngGenerationMb?: number;
  /** Old generation may grow to (1 + this/100) times what survived the last full GC. Default 100. */
  readonly heapGrowingPercent?: number;
  /** How often the young generation's size is checked until it reaches the cap, in ms. Default 20. */
  readonly checkEveryMs?: number;
}

let applied = false;

/** Applies the bounds to this process (once; later calls do nothing). Returns a function that stops the watcher. */
export function boundHeapGrowth(bounds: HeapBounds = {}): () => void {
  if (applied) return () => undefined;
  applied = true;
  v8.setFlagsFromString(`--heap-growing-percent=${bounds.heapGrowingPercent ?? 100}`);
  const capBytes = (bounds.youngGenerationMb ?? 16) * 1024 * 1024;
  const youngGeneration = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
  const freezeIfFull = (): boolean => {
    if (youngGeneration() < capBytes) return false;
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    return true;
  };
  if (freezeIfFull()) return () => undefined;
  // V8 grows the young generation step by step (doubling); stop it at the first step over the cap.
  const timer = setInterval(() => {
    if (freezeIfFull()) clearInterval(timer);
  }, bounds.checkEveryMs ?? 20);
  timer.unref();
  return () => clearInterval(timer);
}
