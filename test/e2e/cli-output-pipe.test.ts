/**
 * `sra-etl config schema | head -1`: when the reader of standard output goes away, the command stops
 * quietly with its own exit status, instead of dying of an unhandled EPIPE with a stack trace.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { CLI, REPO_ROOT } from '../helpers/run-cli.ts';

it('stops quietly when the reader of its output has closed the pipe', async () => {
  const child = spawn(process.execPath, [CLI, 'config', 'schema'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Close our end before the command writes anything (as `… | head -1` has by its second line):
  // its first write meets a closed pipe.
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
  expect(code, stderr).toBe(0);
});
