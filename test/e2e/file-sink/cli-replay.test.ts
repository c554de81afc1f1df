// `sra-etl replay … --to file:<dir>` in a child process: one XML file per session from a saved
// report; with --site (the guide's API tester with login credentials) also the recordings and a
// backup, downloaded from the simulator.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFooter, reportHeader, sessionXml } from '../../../fixtures/generator/report-xml.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/simulator.ts';
import { REPO_ROOT, runCli } from '../../helpers/run-cli.ts';
import { listFiles, makeTempDir } from '../../helpers/temp-dir.ts';

let sim: SimulatorHandle;
let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => {
  tmp = await makeTempDir('sra-cli-replay-');
  sim = await startSimulator({ product: 'rs', seed: 'cli-replay', sessions: 12, days: 1, clock: 'manual', expiredRecordingRate: 0, recordingBytes: { min: 1000, max: 20_000 }, backupBytes: 5000 });
});
afterAll(async () => {
  await sim.close();
  await tmp.remove();
});

describe('sra-etl replay --to file:', () => {
  it('writes one XML file per session of a saved report, declaration and namespace kept', async () => {
    const out = path.join(tmp.dir, 'peer');
    const result = await runCli(['replay', 'fixtures/peer/pra-cloud-access-session.xml', '--to', `file:${out}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/XML files {5}1 written/);
    expect(await listFiles(out)).toEqual(['sessions/8-e9e99aeb9ad54fb381634498502c5a1b.xml']);
    const text = await readFile(path.join(out, 'sessions/8-e9e99aeb9ad54fb381634498502c5a1b.xml'), 'utf8');
    const original = await readFile(path.join(REPO_ROOT, 'fixtures/peer/pra-cloud-access-session.xml'), 'utf8');
    expect(text.startsWith(original.slice(0, original.indexOf('<session ')))).toBe(true);
    expect(text).toContain('<session lsid="e9e99aeb9ad54fb381634498502c5a1b">');
  });

  it('with --site downloads the recordings and a backup too', async () => {
    const now = sim.applianceNow() / 1000;
    let report = reportHeader('rs');
    for (const index of sim.dataset.startedBetween(0, now, now)) report += sessionXml(sim.dataset.render(index, now), { product: 'rs' });
    const file = path.join(tmp.dir, 'saved.xml');
    await writeFile(file, report + reportFooter());
    const out = path.join(tmp.dir, 'with-site');
    const result = await runCli(
      ['replay', file, '--to', `file:${out}`, '--types', 'sessions,recordings,shell-recordings,sms-recordings,backups', '--site', sim.url, '--product', 'rs', '--host', sim.host],
      { env: { SRA_CLIENT_ID: sim.clientId, SRA_CLIENT_SECRET: sim.clientSecret } },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/recordings {4}[1-9]\d* downloaded/);
    expect(result.stderr).toMatch(/backup {8}created/);
    const files = await listFiles(out);
    for (const folder of ['sessions/', 'recordings/', 'shell-recordings/', 'sms-recordings/', 'backups/']) expect(files.some((f) => f.startsWith(folder)), folder).toBe(true);
  });

  it('without --site, recordings are refused with what to do; --site needs --product', async () => {
    const noSite = await runCli(['replay', 'fixtures/peer/pra-cloud-access-session.xml', '--to', `file:${path.join(tmp.dir, 'x')}`, '--types', 'sessions,recordings']);
    expect(noSite.code).toBe(2);
    expect(noSite.stderr).toMatch(/give `replay` a --site/);
    const noProduct = await runCli(['replay', 'fixtures/peer/pra-cloud-access-session.xml', '--to', `file:${path.join(tmp.dir, 'y')}`, '--types', 'recordings', '--site', sim.url]);
    expect(noProduct.code).toBe(2);
    expect(noProduct.stderr).toMatch(/--site needs --product rs\|pra/);
  });
});
