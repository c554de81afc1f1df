/** Runs the sra-etl CLI (node src/cli/main.ts …), or another script of the repository, in a child process and collects its output. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHEBANG_WORDS = (readFileSync(CLI, 'utf8').split('\n', 1)[0] ?? '').split(/\s+/);
/** The node flags the `sra-etl` executable runs with (its shebang line), so memory tests measure what users get. */
export const CLI_NODE_FLAGS: readonly string[] = SHEBANG_WORDS.filter((word) => word.startsWith('--'));
/** The environment its shebang sets (`MALLOC_ARENA_MAX=2`), merged into this process's. */
export const CLI_NODE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  ...Object.fromEntries(SHEBANG_WORDS.filter((word) => /^[A-Z_]+=/.test(word)).map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)])),
};

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Merged into this process's environment; a key set to undefined is left out. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly input?: string;
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return runNodeScript(CLI, args, options);
}

/** Runs `node <script> <args>` from the repository (the CLI, a bench script) and collects its output. */
export function runNodeScript(script: string, args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
