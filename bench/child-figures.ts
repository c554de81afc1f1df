/**
 * What the benchmarks share for measuring in child processes: each case runs in a fresh `node`
 * (so its peak RSS and its module loading are its own) and prints its figures as one JSON document
 * on stdout; the orchestrator reads them and prints medians.
 */
import { spawn } from 'node:child_process';

export interface ChildOptions {
  /** The child's environment. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** Names the child in the error when it fails, e.g. the case name. */
  readonly what: string;
}

/**
 * Runs `node ...args` with this node binary (pass `process.execArgv` in `args` to keep its
 * flags), its stderr going to ours, and resolves with its stdout parsed as JSON once it has exited
 * with 0. Rejects when it cannot start or exits otherwise.
 */
export function figuresFromChild<T>(args: readonly string[], options: ChildOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], ...(options.env === undefined ? {} : { env: options.env }) });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    // 'close', not 'exit': stdout is read to its end only then.
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${options.what} exited with ${code ?? signal}`));
        return;
      }
      try {
        resolve(JSON.parse(out) as T);
      } catch (error) {
        reject(new Error(`${options.what} printed no JSON figures: ${JSON.stringify(out.slice(0, 200))}`, { cause: error }));
      }
    });
  });
}

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
