/**
 * `sra-etl replay <one file> --to <sqlite|postgres> --jobs N`: the report is cut into its sessions
 * and loaded by N pipelines, each with its own connection (src/pipeline/partitioned-load.ts). The
 * database must end up exactly as one pipeline leaves it, including every session that appears twice
 * (the later copy wins, whichever it is); a report with anything but sessions must give exactly the
 * output of one pipeline, which then loads it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reportFooter, reportHeader, sessionXml } from '../../../fixtures/generator/report-xml.ts';
import type { SessionBundle } from '../../../src/records.ts';
import { CLI, REPO_ROOT, runCli } from '../../helpers/run-cli.ts';
import { sessionBundle } from '../../helpers/session-bundles.ts';
import { expectedRowCounts } from '../../helpers/sql-bundles.ts';
import { postgresHarness, sqliteHarness, tableCounts, type SqlHarness } from '../../helpers/sql-harness.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const SESSIONS = 120;

/**
 * Sessions 0–9 appear first in progress and later closed (closed wins); sessions 10–14 appear closed
 * and at the end again in progress (in progress wins, as it would with one pipeline).
 */
function reportBundles(): SessionBundle[] {
  const closed = Array.from({ length: SESSIONS }, (_, i) => sessionBundle(i, { seed: 'jobs' }));
  const inProgress = (i: number) => {
    const bundle = closed[i] as SessionBundle;
    return sessionBundle(i, { seed: 'jobs', asOf: Math.floor(Date.parse(bundle.session.startTime as string) / 1000) + 30 });
  };
  return [...Array.from({ length: 10 }, (_, i) => inProgress(i)), ...closed, ...Array.from({ length: 5 }, (_, i) => inProgress(10 + i))];
}

const reportXml = (bundles: readonly SessionBundle[], extra = ''): string =>
  reportHeader('pra') + bundles.map((bundle) => sessionXml(bundle, { product: 'pra' })).join('') + extra + reportFooter();

/** The session table without its generated ids, in key order. */
async function sessionRows(harness: SqlHarness, spec: string): Promise<Record<string, unknown>[]> {
  const rows = await harness.query<Record<string, unknown>>(spec, `SELECT * FROM ${harness.quote('session')} ORDER BY ${harness.quote('lsid')}`);
  return rows.map(({ id: _id, ...rest }) => rest);
}

describe('replay --jobs: one report loaded by several pipelines', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let sqlite: SqlHarness;
  let postgres: SqlHarness;
  const bundles = reportBundles();
  let good: string;
  let damaged: string;

  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir('sra-jobs-'));
    sqlite = sqliteHarness();
    postgres = postgresHarness(inject('postgresUrl'));
    good = path.join(dir, 'report.xml');
    writeFileSync(good, reportXml(bundles));
    // A session without lsid among the others: one parser rejects it with its line, the rest loads.
    damaged = path.join(dir, 'damaged.xml');
    const withoutLsid = sessionXml(sessionBundle(500, { seed: 'jobs' }), { product: 'pra' }).replace(/ lsid="[^"]*"/, '');
    writeFileSync(damaged, reportXml(bundles.slice(0, 60), withoutLsid + bundles.slice(60).map((bundle) => sessionXml(bundle, { product: 'pra' })).join('')));
  });
  afterAll(async () => {
    await sqlite.dispose();
    await postgres.dispose();
    await remove();
  });

  it('leaves SQLite exactly as one pipeline does, the later copy of every session winning', async () => {
    const [parallel, single] = [sqlite.freshSpec(), sqlite.freshSpec()];
    const three = await runCli(['replay', good, '--to', parallel, '--jobs', '3']);
    const one = await runCli(['replay', good, '--to', single, '--jobs', '1']);
    expect(three.stderr.replaceAll(parallel, '<db>')).toBe(one.stderr.replaceAll(single, '<db>'));
    expect(three.stderr).toContain(`replayed 1 file: ${bundles.length} sessions`);
    expect([three.code, one.code]).toEqual([0, 0]);
    expect(await tableCounts(sqlite, parallel)).toEqual(expectedRowCounts(bundles));
    const rows = await sessionRows(sqlite, parallel);
    expect(rows).toEqual(await sessionRows(sqlite, single));
    const open = rows.filter((row) => row.end_time === null).map((row) => row.lsid);
    expect(open.sort()).toEqual(bundles.slice(-5).map((bundle) => bundle.session.key.lsid).sort());
  });

  it('loads several files in order, each with pipelines of its own, as one pipeline does', async () => {
    // report.xml (5 MB) is loaded by one pipeline: among several files only those of 16 MB or more
    // are split. second.xml (17 MB, split) closes sessions 10–14 again (the later copy wins across
    // files) and adds sessions of another site; third.xml holds one session in progress, without
    // URLs: it takes the host of the session before it, the last of second.xml, whichever pipeline loaded that.
    const second = path.join(dir, 'second.xml');
    const secondBundles = [
      ...bundles.slice(20, 25),
      ...Array.from({ length: 420 }, (_, i) => sessionBundle(300 + i, { seed: 'jobs', host: 'second.example.com' })),
      sessionBundle(800, { seed: 'jobs', host: 'last.example.com' }), // the host third.xml's session takes
    ];
    writeFileSync(second, reportXml(secondBundles));
    const third = path.join(dir, 'third.xml');
    const started = sessionBundle(900, { seed: 'jobs', host: 'second.example.com' });
    const inProgress = sessionBundle(900, { seed: 'jobs', host: 'second.example.com', asOf: Math.floor(Date.parse(started.session.startTime as string) / 1000) + 30 });
    writeFileSync(third, reportXml([inProgress]));
    expect((await runCli(['replay', third, '--to', sqlite.freshSpec()])).stderr).toContain('--host');

    const [parallel, single] = [sqlite.freshSpec(), sqlite.freshSpec()];
    const two = await runCli(['replay', good, second, third, '--to', parallel, '--jobs', '2']);
    const one = await runCli(['replay', good, second, third, '--to', single, '--jobs', '1']);
    expect(two.stderr.replaceAll(parallel, '<db>')).toBe(one.stderr.replaceAll(single, '<db>'));
    expect(two.stderr).toContain(`replayed 3 files: ${bundles.length + secondBundles.length + 1} sessions`);
    expect([two.code, one.code]).toEqual([0, 0]);
    expect(await tableCounts(sqlite, parallel)).toEqual(await tableCounts(sqlite, single));
    const rows = await sessionRows(sqlite, parallel);
    expect(rows).toEqual(await sessionRows(sqlite, single));
    expect(rows.find((row) => row.lsid === inProgress.session.key.lsid)).toMatchObject({ host_name: 'last.example.com', end_time: null });
    expect(rows.filter((row) => row.host_name === 'second.example.com')).toHaveLength(420);
  });

  it('leaves PostgreSQL as one pipeline leaves SQLite', async () => {
    const spec = postgres.freshSpec();
    const result = await runCli(['replay', good, '--to', spec, '--jobs', '2']);
    expect(result.stderr).toContain(`replayed 1 file: ${bundles.length} sessions`);
    expect(result.code).toBe(0);
    expect(await tableCounts(postgres, spec)).toEqual(expectedRowCounts(bundles));
    const open = (await sessionRows(postgres, spec)).filter((row) => row.end_time === null).map((row) => row.lsid);
    expect(open.sort()).toEqual(bundles.slice(-5).map((bundle) => bundle.session.key.lsid).sort());
  });

  it('gives a report with a bad session to one pipeline: same messages, same exit status, same rows', async () => {
    const [parallel, single] = [sqlite.freshSpec(), sqlite.freshSpec()];
    const two = await runCli(['replay', damaged, '--to', parallel, '--jobs', '2']);
    const one = await runCli(['replay', damaged, '--to', single, '--jobs', '1']);
    expect(two.stderr.replaceAll(parallel, '<db>')).toBe(one.stderr.replaceAll(single, '<db>'));
    expect(two.stderr).toMatch(/damaged\.xml:\d+:\d+: .*lsid/);
    expect([two.code, one.code]).toEqual([1, 1]);
    expect(await tableCounts(sqlite, parallel)).toEqual(await tableCounts(sqlite, single));
    expect(await tableCounts(sqlite, parallel)).toEqual(expectedRowCounts(bundles));
  });

  it('reports a session the destination refuses as one pipeline does, and loads the others', async () => {
    const victim = bundles[20] as SessionBundle;
    const refused = { ...victim, users: victim.users.map((user, i) => (i === 0 ? { ...user, os: 'x'.repeat(300) } : user)) };
    const file = path.join(dir, 'refused.xml');
    writeFileSync(file, reportXml(bundles.map((bundle) => (bundle === victim ? refused : bundle))));
    const [parallel, single] = [sqlite.freshSpec(), sqlite.freshSpec()];
    const two = await runCli(['replay', file, '--to', parallel, '--jobs', '2']);
    const one = await runCli(['replay', file, '--to', single, '--jobs', '1']);
    expect(two.stderr.replaceAll(parallel, '<db>')).toBe(one.stderr.replaceAll(single, '<db>'));
    expect(two.stderr).toContain(`refused.xml: session ${victim.session.key.lsid}: `);
    expect(two.stderr).toContain('1 session refused by the destination');
    expect([two.code, one.code]).toEqual([1, 1]);
    expect(await tableCounts(sqlite, parallel)).toEqual(await tableCounts(sqlite, single));
    expect(await sqlite.query(parallel, 'SELECT lsid FROM rejected_session')).toEqual([{ lsid: victim.session.key.lsid }]);
  });

  it('loads a listing with one pipeline, as before', async () => {
    const spec = sqlite.freshSpec();
    const listing = new URL('../../../fixtures/peer/pra-cloud-listing.xml', import.meta.url).pathname;
    const result = await runCli(['replay', listing, '--to', spec, '--jobs', '2', '--host', 'support.example.com']);
    expect(result.stderr).toContain('replayed 1 file: 0 sessions (0 records), 2 listing rows');
    expect(result.code).toBe(0);
  });

  it('on SIGINT stops every pipeline, exits 130 and leaves only whole sessions', async () => {
    const fifo = path.join(dir, 'slow.xml');
    execFileSync('mkfifo', [fifo]);
    const spec = sqlite.freshSpec();
    const child = spawn(process.execPath, [CLI, 'replay', fifo, '--to', spec, '--jobs', '2'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Half the report arrives, then the input stalls; the signal comes once some batches are committed.
    const closed = bundles.slice(10, 10 + SESSIONS);
    const input = createWriteStream(fifo);
    // The replay stops reading when it is cancelled: what is still unwritten then fails with EPIPE.
    input.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
    input.write(reportHeader('pra') + closed.slice(0, 80).map((bundle) => sessionXml(bundle, { product: 'pra' })).join(''));
    const committed = async () => {
      try {
        return Number((await sqlite.query<{ n: number }>(spec, 'SELECT count(*) AS n FROM session'))[0]?.n ?? 0);
      } catch {
        return 0; // not created yet
      }
    };
    for (let waited = 0; (await committed()) === 0; waited += 100) {
      if (waited > 30_000) throw new Error(`no batch was committed: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGINT');
    const closedAt = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The replay has stopped and said so while its read still waits on the pipe (only a second
    // Ctrl-C ends that at once); the writer going away ends the read, and the process exits.
    for (let waited = 0; !/stopped by SIGINT/.test(stderr); waited += 50) {
      if (waited > 30_000) throw new Error(`no stop message: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    input.destroy();
    const code = await closedAt;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/^sra-etl: stopped by SIGINT/m);
    // Every stored session has all its events: batches were committed whole or not at all.
    const events = new Map(closed.map((bundle) => [bundle.session.key.lsid, bundle.events.length]));
    const stored = await sqlite.query<{ lsid: string; n: number }>(spec, 'SELECT s.lsid AS lsid, count(e.id) AS n FROM session s LEFT JOIN session_event e ON e.session_id = s.id GROUP BY s.lsid');
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) expect(row.n, row.lsid).toBe(events.get(row.lsid));
  });

  it('rejects --jobs that is not a whole number from 1 to 16', async () => {
    const result = await runCli(['replay', good, '--to', sqlite.freshSpec(), '--jobs', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--jobs "0": give a whole number of pipelines from 1 to 16');
  });
});
