// The file destination against the appliance simulator and the real appliance client: every data
// type, expired recordings, cut bodies, the guide's conflict rules, backups with password and retention.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileSink } from '../../../sinks/file/file-sink.ts';
import type { FileSinkSettings } from '../../../sinks/file/file-sink-options.ts';
import type { SessionBundle } from '../../../src/records.ts';
import { backupBinary, EXPIRED_RECORDING_MESSAGE, recordingBinary } from '../../../src/simulator/reporting-api.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/simulator.ts';
import { silentLogger, type StageContext } from '../../../src/stage.ts';
import type { ApplianceClient } from '../../../stages/sources/appliance/index.ts';
import { withRawXml } from '../../helpers/session-bundles.ts';
import { simulatorClient, simulatorFetcher } from '../../helpers/simulator-fetcher.ts';
import { listFiles, makeTempDir } from '../../helpers/temp-dir.ts';
import { writeOneBatch } from '../../helpers/write-one-batch.ts';

const ctx: StageContext = { signal: new AbortController().signal, logger: silentLogger };
const NOW = Date.UTC(2024, 11, 8);
let sim: SimulatorHandle;
let client: ApplianceClient;
let tmp: Awaited<ReturnType<typeof makeTempDir>>;

beforeAll(async () => {
  sim = await startSimulator({ product: 'rs', seed: 'filesink', sessions: 40, days: 2, now: NOW, clock: 'manual', expiredRecordingRate: 0.25, recordingBytes: { min: 1000, max: 300_000 }, backupBytes: 200_000 });
  client = simulatorClient(sim);
});
afterAll(async () => {
  await client.close();
  await sim.close();
});
beforeEach(async () => {
  tmp = await makeTempDir('sra-filesim-');
});
afterEach(async () => {
  await tmp.remove();
});

/** Every session as the appliance shows it now, with its XML as the parser would capture it. */
function sessionsNow(): SessionBundle[] {
  const now = sim.applianceNow() / 1000;
  const bundles: SessionBundle[] = [];
  for (const index of sim.dataset.startedBetween(0, now, now)) bundles.push(withRawXml(sim.dataset.render(index, now), 'rs'));
  return bundles;
}

async function run(batch: readonly SessionBundle[], settings: Partial<FileSinkSettings>): Promise<FileSink> {
  return writeOneBatch(new FileSink({ root: tmp.dir, ...settings }, { fetcher: simulatorFetcher(client, 'rs'), now: () => new Date(sim.applianceNow()) }), batch, ctx);
}

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
function expectedSha(lsid: string, report: string, instance: number): string {
  const hash = createHash('sha256');
  for (const chunk of recordingBinary(sim.reporting, lsid, report, instance).chunks()) hash.update(chunk);
  return hash.digest('hex');
}

describe('file destination against the simulator', () => {
  it('stores session XML and every session, command-shell and Show My Screen recording; expired ones are recorded and reported', async () => {
    const batch = sessionsNow();
    const ended = batch.filter((b) => b.session.endTime !== null);
    expect(batch.length - ended.length).toBeGreaterThan(0); // some still in progress: they have no recordings yet
    const sink = await run(batch, { types: ['sessions', 'recordings', 'shell-recordings', 'sms-recordings'] });
    const files = new Set(await listFiles(tmp.dir));
    const host = sim.host.replace(':', '_');

    for (const bundle of batch) expect(files.has(`sessions/${bundle.session.lseq}-${bundle.session.key.lsid}.xml`)).toBe(true);
    const expected: { file: string; lsid: string; report: string; instance: number }[] = [];
    for (const { session } of ended) {
      const base = `${host}-support-${session.key.lsid}`;
      if (session.recordingDownloadUrl !== null) expected.push({ file: `recordings/${base}.flv`, lsid: session.key.lsid, report: 'SupportSessionRecording', instance: 0 });
      for (const r of session.commandShellRecordings) expected.push({ file: `shell-recordings/${base}-${r.instance}.flv`, lsid: session.key.lsid, report: 'CommandShellRecording', instance: r.instance });
      for (const r of session.showMyScreenRecordings) expected.push({ file: `sms-recordings/${base}-${r.instance}.flv`, lsid: session.key.lsid, report: 'ShowMyScreenRecording', instance: r.instance });
    }
    const expiredLsids = new Set(ended.filter((b) => sim.dataset.recordingExpired(sim.dataset.indexOf(b.session.key.lsid) as number)).map((b) => b.session.key.lsid));
    expect(expiredLsids.size).toBeGreaterThan(0);
    const stored = expected.filter((e) => !expiredLsids.has(e.lsid));
    for (const kind of ['recordings/', 'shell-recordings/', 'sms-recordings/']) expect(stored.some((e) => e.file.startsWith(kind)), kind).toBe(true);
    for (const e of stored) {
      expect(files.has(e.file), e.file).toBe(true);
      expect(sha(await readFile(path.join(tmp.dir, e.file))), e.file).toBe(expectedSha(e.lsid, e.report, e.instance));
    }
    const userFiles = [...files].filter((f) => !f.includes('.sra-etl/') && !f.startsWith('sessions/'));
    expect(userFiles.sort()).toEqual(stored.map((e) => e.file).sort());
    expect(sink.report.missing.map((m) => m.lsid).sort()).toEqual(expected.filter((e) => expiredLsids.has(e.lsid)).map((e) => e.lsid).sort());
    expect(sink.report.missing.every((m) => m.status === 'expired' && m.message === EXPIRED_RECORDING_MESSAGE)).toBe(true);

    // Run again: nothing is downloaded and nothing is asked about expired recordings.
    const before = sim.stats.requests;
    const again = await run(batch, { types: ['sessions', 'recordings', 'shell-recordings', 'sms-recordings'] });
    expect(sim.stats.requests).toBe(before);
    expect(again.report.recordings.alreadyComplete).toBe(stored.length);
    expect(again.report.knownMissing).toBe(expected.length - stored.length);
    expect(again.report.sessionFiles.unchanged).toBe(batch.length);
  });

  it("AppendNumber as in the guide: …-1234.flv and …-1234.1.flv exist, so the download becomes …-1234.2.flv", async () => {
    const bundle = sessionsNow().find((b) => b.session.recordingDownloadUrl !== null && !sim.dataset.recordingExpired(sim.dataset.indexOf(b.session.key.lsid) as number)) as SessionBundle;
    const session = { ...bundle.session, key: { ...bundle.session.key, host: 'support.example.com' } };
    const base = `support.example.com-support-${session.key.lsid}`;
    await mkdir(path.join(tmp.dir, 'recordings'), { recursive: true });
    await writeFile(path.join(tmp.dir, 'recordings', `${base}.flv`), 'first');
    await writeFile(path.join(tmp.dir, 'recordings', `${base}.1.flv`), 'second');
    await run([{ ...bundle, session }], { types: ['recordings'] });
    expect(await listFiles(path.join(tmp.dir, 'recordings')).then((f) => f.filter((n) => !n.startsWith('.sra-etl/')))).toEqual([`${base}.1.flv`, `${base}.2.flv`, `${base}.flv`]);
    expect(sha(await readFile(path.join(tmp.dir, 'recordings', `${base}.2.flv`)))).toBe(expectedSha(session.key.lsid, 'SupportSessionRecording', 0));
    expect(await readFile(path.join(tmp.dir, 'recordings', `${base}.flv`), 'utf8')).toBe('first');
  });

  it('Overwrite replaces an existing recording with the downloaded one; Skip keeps it and downloads nothing', async () => {
    const bundle = sessionsNow().find((b) => b.session.recordingDownloadUrl !== null && !sim.dataset.recordingExpired(sim.dataset.indexOf(b.session.key.lsid) as number)) as SessionBundle;
    const file = path.join(tmp.dir, 'recordings', `${sim.host.replace(':', '_')}-support-${bundle.session.key.lsid}.flv`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'existing');
    const skip = await run([bundle], { types: ['recordings'], settings: { recordings: { conflict: 'Skip' } } });
    expect(skip.report.recordings.skipped).toBe(1);
    expect(await readFile(file, 'utf8')).toBe('existing');
    const overwrite = await run([bundle], { types: ['recordings'], settings: { recordings: { conflict: 'Overwrite' } } });
    expect(overwrite.report.recordings.overwritten).toBe(1);
    expect(sha(await readFile(file))).toBe(expectedSha(bundle.session.key.lsid, 'SupportSessionRecording', 0));
  });

  it('a body cut by the appliance leaves no file and is downloaded whole on the next run', async () => {
    const bundle = sessionsNow().find((b) => b.session.recordingDownloadUrl !== null && !sim.dataset.recordingExpired(sim.dataset.indexOf(b.session.key.lsid) as number) && recordingBinary(sim.reporting, b.session.key.lsid, 'SupportSessionRecording', 0).size > 100_000) as SessionBundle;
    sim.faults.add({ match: { report: 'SupportSessionRecording' }, fault: { kind: 'reset', afterBytes: 50_000 }, times: 100 });
    await expect(run([bundle], { types: ['recordings'] })).rejects.toThrow(/nothing partial was kept|fetched again/);
    sim.faults.clear();
    expect((await listFiles(tmp.dir)).filter((f) => !f.endsWith('manifest.jsonl'))).toEqual([]);
    await run([bundle], { types: ['recordings'] });
    const files = (await listFiles(tmp.dir)).filter((f) => !f.includes('.sra-etl/'));
    expect(files).toHaveLength(1);
    expect(sha(await readFile(path.join(tmp.dir, files[0] as string)))).toBe(expectedSha(bundle.session.key.lsid, 'SupportSessionRecording', 0));
  });

  it('stores password-protected site backups and keeps the Retention Count newest', async () => {
    const names: string[] = [];
    for (let day = 0; day < 3; day++) {
      const sink = new FileSink({ root: tmp.dir, types: ['backups'], backupRetention: 2, backupPassword: 'correct horse' }, { fetcher: simulatorFetcher(client, 'rs'), now: () => new Date(sim.applianceNow()) });
      const outcome = await sink.storeBackup(ctx);
      await sink.close();
      names.push(path.basename(outcome.path));
      const expected = createHash('sha256');
      for (const chunk of backupBinary(sim.reporting, 'correct horse', sim.applianceNow() / 1000).chunks()) expected.update(chunk);
      expect(sha(await readFile(outcome.path))).toBe(expected.digest('hex'));
      sim.clock.advance(86_400_000);
    }
    expect(names.every((n) => /^127\.0\.0\.1_\d+-2024-12-\d\d-000000\.nsb$/.test(n))).toBe(true);
    expect((await listFiles(tmp.dir)).filter((f) => !f.includes('.sra-etl/'))).toEqual(names.slice(1).map((n) => `backups/${n}`));
  });
});
