/**
 * Peak resident set size of this process, for memory tests and benchmarks that measure inside a
 * child process.
 *
 * On Linux it is `VmHWM` from /proc/self/status. Not getrusage's maxrss
 * (`process.resourceUsage().maxRSS`): that survives exec, so a child spawned from a big parent
 * (a vitest worker, a benchmark holding a report) reports at least the parent's size at the fork.
 * maxRSS is the fallback where /proc is missing.
 */
import { readFileSync } from 'node:fs';

/** Peak RSS of this process so far, in bytes. */
export function peakRssBytes(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** {@link peakRssBytes} in MiB (what the benchmarks print as "MB"). */
export function peakRssMb(): number {
  return peakRssBytes() / 1048576;
}
