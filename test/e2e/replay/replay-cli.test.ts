/**
 * `sra-etl replay` as users run it (a child process from a checkout): --help, JSON Lines to
 * standard output and to a file, one clear line per problem with a non-zero exit after everything
 * else was written, usage errors, standard input, cancellation and the worker variant.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, runCli } from '../../helpers/run-cli.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const fixture = (name: string) => path.join('fixtures', name);
const records = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { kind: string; key?: { host: string; lsid: string } });
const kinds = (text: string) => records(text).reduce<Record<string, number>>((counts, record) => ({ ...counts, [record.kind]: (counts[record.kind] ?? 0) + 1 }), {});
const problemLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('sra-etl: ') && !line.startsWith('sra-etl: replayed'));

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  tmp = await makeTempDir('sra-replay-');
});
afterEach(async () => {
  await tmp.remove();
});

describe('sra-etl replay', () => {
  it('has --help with the destinations, the host rule, exit codes and examples', async () => {
    const { code, stdout } = await runCli(['replay', '--help']);
    expect(code).toBe(0);
    for (const text of ['Usage: sra-etl replay', '--to <destination>', '--host <hostname>', 'jsonl:', 'Exit status', 'Examples:', 'sra-etl replay report.xml --to jsonl:-']) expect(stdout).toContain(text);
    expect((await runCli(['--help'])).stdout).toMatch(/replay \[options\] <files-or-folders\.\.\.>/);
  });

  it('streams JSON Lines to standard output: one record per line with its kind and session key', async () => {
    const { code, stdout, stderr } = await runCli(['replay', fixture('reports/rs-support-session.xml'), '--to', 'jsonl:-']);
    expect(code, stderr).toBe(0);
    expect(kinds(stdout)).toEqual({ session: 2, event: 8, system_information: 2, user: 3, customer: 2, team: 4, custom_attribute: 1, survey: 2 });
    for (const record of records(stdout)) expect(record.key?.host).toBe('support.example.com');
    expect(records(stdout)[0]).toMatchObject({ kind: 'session', key: { lsid: '3f1c0b8e2d6a4c59a1e7b0d4c8f29e61' } });
    expect(stderr).toBe('sra-etl: replayed 1 file: 2 sessions (24 records) -> jsonl:-\n');
  });

  it('writes a file, listing rows and appliance errors included, with --host for the listing', async () => {
    const out = path.join(tmp.dir, 'out.jsonl');
    const { code, stderr } = await runCli(['replay', fixture('peer/pra-cloud-listing.xml'), fixture('reports/error-root-no-data.xml'), '--to', `jsonl:${out}`, '--host', 'PRA.example.com']);
    expect(code, stderr).toBe(0);
    const lines = records(await readFile(out, 'utf8'));
    expect(lines.map((record) => record.kind)).toEqual(['session_summary', 'session_summary', 'report_error']);
    expect(lines[0]?.key).toEqual({ host: 'pra.example.com', lsid: 'e9e99aeb9ad54fb381634498502c5a1b' });
    expect(stderr).toContain('error-root-no-data.xml:2: the report holds no sessions (the appliance said: No Support report information');
    expect(await readdir(tmp.dir)).toEqual(['out.jsonl']);
  });

  it('exits 1 after writing everything else, with one line per problem naming file:line:column', async () => {
    const out = path.join(tmp.dir, 'out.jsonl');
    const { code, stdout, stderr } = await runCli([
      'replay', fixture('bad/truncated.xml'), fixture('bad/session-without-lsid.xml'), fixture('bad/not-xml.json'), fixture('peer/pra-cloud-access-session.xml'),
      '--to', `jsonl:${out}`, '--host', 'support.example.com',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(problemLines(stderr)).toEqual([
      'sra-etl: fixtures/bad/truncated.xml:12:59: the file ends inside <session_details> (unclosed: <session_list> <session> <session_details>): it is truncated (an interrupted download or copy?)',
      'sra-etl: fixtures/bad/session-without-lsid.xml:10:1: session 2 of this file has no lsid attribute, so it has no key to be stored under: skipped (the other sessions still load)',
      'sra-etl: fixtures/bad/not-xml.json:1:1: not an XML document: it starts with "{\\"error\\": \\"invalid_c" (it looks like JSON), where "<" was expected',
    ]);
    expect(stderr).toContain('replayed 4 files: 4 sessions');
    expect(stderr).toContain('1 session rejected, 2 files damaged or unreadable');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack without --verbose
    // Every complete session, from before the damage and from the other files, was written.
    const lsids = records(await readFile(out, 'utf8')).filter((record) => record.kind === 'session').map((record) => record.key?.lsid);
    expect(lsids).toEqual(['cccccccccccccccccccccccccccccc01', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa03', 'e9e99aeb9ad54fb381634498502c5a1b']);
  });

  it('stops with a clear line asking for --host when a report names no site', async () => {
    const { code, stderr } = await runCli(['replay', fixture('bad/session-without-lsid.xml'), '--to', 'jsonl:-']);
    expect(code).toBe(1);
    expect(problemLines(stderr)).toEqual([
      "sra-etl: fixtures/bad/session-without-lsid.xml:3:1: session aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 has no download URL to read the site host from, nor does anything after it in this file; pass --host <site hostname> (the appliance's address, e.g. --host support.example.com)",
    ]);
  });

  it('reads folders in name order and - as standard input', async () => {
    const folder = await runCli(['replay', 'fixtures/reports', '--to', 'jsonl:-', '--host', 'h.example']);
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.stderr).toContain('replayed 5 files: 4 sessions (40 records), 3 listing rows, 2 appliance errors');
    const piped = await runCli(['replay', '-', '--to', 'jsonl:-'], { input: await readFile(path.join(REPO_ROOT, fixture('peer/pra-cloud-access-session.xml')), 'utf8') });
    expect(piped.code, piped.stderr).toBe(0);
    expect(kinds(piped.stdout)).toEqual({ session: 1, event: 2, user: 1, customer: 1 });
  });

  it('round-trips through the file destination: its session files replay to the same records', async () => {
    const folder = path.join(tmp.dir, 'files');
    const inputs = [fixture('reports/rs-support-session.xml'), fixture('reports/pra-access-session-prefixed.xml')];
    const stored = await runCli(['replay', ...inputs, '--to', `file:${folder}`]);
    expect(stored.code, stored.stderr).toBe(0);
    const direct = await runCli(['replay', ...inputs, '--to', 'jsonl:-']);
    // The one-session files of sessions in progress name no site: they take the previous file's.
    const again = await runCli(['replay', folder, '--to', 'jsonl:-']);
    expect(again.code, again.stderr).toBe(0);
    const byKey = (text: string) => records(text).map((record) => JSON.stringify(record)).sort();
    expect(byKey(again.stdout)).toEqual(byKey(direct.stdout));
  });

  it('gives the same output with --worker', async () => {
    const args = ['replay', 'fixtures/reports', 'fixtures/peer', '--to', 'jsonl:-', '--host', 'h.example'];
    const [inThread, inWorker] = await Promise.all([runCli(args), runCli([...args, '--worker'])]);
    expect(inWorker.stdout).toBe(inThread.stdout);
    expect(inWorker.stderr).toBe(inThread.stderr);
    expect(inWorker.code).toBe(inThread.code);
  });

  it('refuses usage errors with exit 2 and one line', async () => {
    const cases: [string[], RegExp][] = [
      [['replay', 'no/such/file.xml', '--to', 'jsonl:-'], /^sra-etl: no\/such\/file\.xml: no such file or folder\n$/],
      [['replay', fixture('peer/pra-error-auth.xml'), '--to', 'excel:out.xlsx'], /^sra-etl: --to "excel:out\.xlsx": unknown destination\. Use one of:\n/],
      [['replay', fixture('peer/pra-error-auth.xml'), '--to', 'jsonl:-', '--product', 'vault'], /^sra-etl: --product "vault": use rs \(Remote Support\) or pra \(Privileged Remote Access\)\n$/],
      [['replay', fixture('peer/pra-error-auth.xml')], /required option '--to <destination>' not specified/],
    ];
    for (const [args, expected] of cases) {
      const { code, stderr } = await runCli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toMatch(expected);
    }
  });

  it('on SIGINT stops, exits 130 and leaves no output file', async () => {
    const out = path.join(tmp.dir, 'out.jsonl');
    const child = spawn(process.execPath, [CLI, 'replay', '-', '--to', `jsonl:${out}`, '--host', 'h.example'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Half a report arrives, then the input stalls: the replay is waiting when the signal comes.
    const xml = await readFile(path.join(REPO_ROOT, fixture('reports/rs-support-session.xml')), 'utf8');
    child.stdin.write(xml.slice(0, xml.length / 2));
    for (let waited = 0; !existsSync(tmp.dir) || (await readdir(tmp.dir)).length === 0; waited += 20) {
      if (waited > 20_000) throw new Error('the replay never opened its temporary file');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/^sra-etl: stopped by SIGINT/m);
    expect(await readdir(tmp.dir)).toEqual([]);
  });

  it('reads a named pipe to its end, whenever its writer comes', async () => {
    const fifo = path.join(tmp.dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const cli = runCli(['replay', fifo, '--to', 'jsonl:-', '--host', 'h.example']);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the replay is waiting for a writer
    const writer = await open(fifo, 'w');
    const xml = await readFile(path.join(REPO_ROOT, fixture('reports/rs-support-session.xml')), 'utf8');
    await writer.write(xml.slice(0, 1000));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writer.write(xml.slice(1000));
    await writer.close();
    const { code, stdout, stderr } = await cli;
    expect(code, stderr).toBe(0);
    expect(stdout).toBe((await runCli(['replay', fixture('reports/rs-support-session.xml'), '--to', 'jsonl:-', '--host', 'h.example'])).stdout);
  });

  it('on SIGINT exits 130 at once even while a named pipe it reads from stays open and silent', async () => {
    // A read from a FIFO blocks one of libuv's threads and cannot be cancelled; the process must not
    // wait for the pipe's writer to go away (before: only a second Ctrl-C ended it).
    const fifo = path.join(tmp.dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const out = path.join(tmp.dir, 'out.db');
    const child = spawn(process.execPath, [CLI, 'replay', fifo, '--to', `sqlite:${out}`, '--host', 'h.example'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const writer = await open(fifo, 'w'); // returns once the replay has opened the pipe for reading
    try {
      const xml = await readFile(path.join(REPO_ROOT, fixture('reports/rs-support-session.xml')), 'utf8');
      await writer.write(xml.slice(0, xml.length / 2));
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the replay has read that half and waits for more
      child.kill('SIGINT');
      const code = await Promise.race([closed, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
      expect(code, stderr).toBe(130);
      expect(stderr).toMatch(/^sra-etl: stopped by SIGINT/m);
    } finally {
      child.kill('SIGKILL');
      await writer.close();
    }
  });
});
