import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSink } from '../../../../sinks/file/file-sink.ts';
import type { FileSinkSettings } from '../../../../sinks/file/file-sink-options.ts';
import type { SessionBundle } from '../../../../src/records.ts';
import { silentLogger, type StageContext } from '../../../../src/stage.ts';
import { artifactFetcher, startArtifactServer, syntheticFile, type ArtifactServer, type Reply } from '../../../helpers/artifact-server.ts';
import { sessionBundle, sessionBundles } from '../../../helpers/session-bundles.ts';
import { listFiles, makeTempDir } from '../../../helpers/temp-dir.ts';
import { writeOneBatch } from '../../../helpers/write-one-batch.ts';

const ctx: StageContext = { signal: new AbortController().signal, logger: silentLogger };
let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let server: ArtifactServer | undefined;
let replies: (request: { report: string; lsid: string; instance: number | null }) => Reply;

beforeEach(async () => {
  tmp = await makeTempDir('sra-filesink-');
  replies = (request) => ({ size: 1000 + request.lsid.charCodeAt(0) + (request.instance ?? 0), contentType: 'video/x-flv' });
  server = await startArtifactServer({ recording: (request) => replies(request), backup: () => ({ size: 5000 }) });
});
afterEach(async () => {
  await server?.close();
  await tmp.remove();
});

async function run(batch: readonly SessionBundle[], settings: Partial<FileSinkSettings> = {}, now?: () => Date): Promise<FileSink> {
  return writeOneBatch(new FileSink({ root: tmp.dir, ...settings }, { fetcher: artifactFetcher((server as ArtifactServer).url), ...(now === undefined ? {} : { now }) }), batch, ctx);
}

const sessionsWithRecording = () => sessionBundles(20).filter((b) => b.session.recordingDownloadUrl !== null);
const userFiles = async (dir = tmp.dir) => (await listFiles(dir)).filter((file) => !file.includes('.sra-etl/'));

describe('session data', () => {
  it("writes one XML file per session, named by the guide's default %LSEQ%-%LSID%.xml, exactly as the appliance sent it", async () => {
    const batch = sessionBundles(5);
    const sink = await run(batch);
    expect(await userFiles()).toEqual(batch.map((b) => `sessions/${b.session.lseq}-${b.session.key.lsid}.xml`).sort());
    for (const bundle of batch) {
      const text = await readFile(path.join(tmp.dir, 'sessions', `${bundle.session.lseq}-${bundle.session.key.lsid}.xml`), 'utf8');
      expect(text).toBe(bundle.rawXml);
      expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
      expect(text).toContain('<session_list xmlns="http://www.beyondtrust.com/sra/namespaces/API/reporting"');
    }
    expect(sink.report.sessionFiles.created).toBe(5);
  });

  it('leaves a session that comes again unchanged instead of adding ….1.xml, and adds one when it changed (AppendNumber)', async () => {
    const start = sessionBundle(0).session.startTime as string;
    const inProgress = sessionBundle(0, { asOf: Date.parse(start) / 1000 + 30 });
    const ended = sessionBundle(0);
    expect(inProgress.rawXml).not.toBe(ended.rawXml);
    await run([inProgress]);
    const again = await run([inProgress]);
    expect(again.report.sessionFiles).toMatchObject({ created: 0, unchanged: 1 });
    await run([ended]);
    const name = `${ended.session.lseq}-${ended.session.key.lsid}`;
    expect(await userFiles()).toEqual([`sessions/${name}.1.xml`, `sessions/${name}.xml`]);
    expect(await readFile(path.join(tmp.dir, 'sessions', `${name}.1.xml`), 'utf8')).toBe(ended.rawXml);
    expect((await run([ended])).report.sessionFiles.unchanged).toBe(1);
  });

  it('Overwrite replaces the older version; Skip keeps it', async () => {
    const start = sessionBundle(0).session.startTime as string;
    const inProgress = sessionBundle(0, { asOf: Date.parse(start) / 1000 + 30 });
    const ended = sessionBundle(0);
    const file = path.join(tmp.dir, 'sessions', `${ended.session.lseq}-${ended.session.key.lsid}.xml`);
    await run([inProgress], { settings: { sessions: { conflict: 'Skip' } } });
    expect((await run([ended], { settings: { sessions: { conflict: 'Skip' } } })).report.sessionFiles.skipped).toBe(1);
    expect(await readFile(file, 'utf8')).toBe(inProgress.rawXml);
    expect((await run([ended], { settings: { sessions: { conflict: 'Overwrite' } } })).report.sessionFiles.overwritten).toBe(1);
    expect(await readFile(file, 'utf8')).toBe(ended.rawXml);
    expect(await userFiles()).toHaveLength(1);
  });

  it('writes UTF-8 and says so, whatever the declaration claimed', async () => {
    const bundle = sessionBundle(0);
    const latin = { ...bundle, rawXml: (bundle.rawXml as string).replace('encoding="UTF-8"', "encoding='ISO-8859-1'").replace('<session_type>support', '<session_type>suppört') };
    await run([latin]);
    const bytes = await readFile(path.join(tmp.dir, 'sessions', `${bundle.session.lseq}-${bundle.session.key.lsid}.xml`));
    expect(bytes.toString('utf8')).toContain('encoding="UTF-8"');
    expect(bytes.toString('utf8')).toContain('suppört');
  });
});

describe('recordings', () => {
  const allTypes = ['sessions', 'recordings', 'shell-recordings', 'sms-recordings'] as const;

  it('fetches every session, command-shell and Show My Screen recording a session has, once', async () => {
    const batch = sessionBundles(12, { product: 'rs' });
    const expected = new Map<string, number>();
    for (const b of batch) {
      const s = b.session;
      const base = `support.example.com-support-${s.key.lsid}`;
      if (s.recordingDownloadUrl !== null) expected.set(`recordings/${base}.flv`, 1000 + s.key.lsid.charCodeAt(0));
      for (const r of s.commandShellRecordings) expected.set(`shell-recordings/${base}-${r.instance}.flv`, 1000 + s.key.lsid.charCodeAt(0) + r.instance);
      for (const r of s.showMyScreenRecordings) expected.set(`sms-recordings/${base}-${r.instance}.flv`, 1000 + s.key.lsid.charCodeAt(0) + r.instance);
    }
    expect([...expected.keys()].some((k) => k.startsWith('recordings/'))).toBe(true);
    expect([...expected.keys()].some((k) => k.startsWith('shell-recordings/'))).toBe(true);
    expect([...expected.keys()].some((k) => k.startsWith('sms-recordings/'))).toBe(true);

    const sink = await run(batch, { types: allTypes });
    const files = (await userFiles()).filter((f) => !f.startsWith('sessions/'));
    expect(files).toEqual([...expected.keys()].sort());
    for (const [file, size] of expected) {
      const [dir, name] = file.split('/') as [string, string];
      const lsid = /-([0-9a-f]{32})(?:-\d+)?\.flv$/.exec(name)?.[1] as string;
      const instance = /-(\d+)\.flv$/.exec(name.replace(`-${lsid}`, ''))?.[1];
      const report = dir === 'recordings' ? 'AccessSessionRecording' : dir === 'shell-recordings' ? 'CommandShellRecording' : 'ShowMyScreenRecording';
      expect((await readFile(path.join(tmp.dir, file))).equals(syntheticFile(`${report}/${lsid}/${instance ?? ''}`, size)), file).toBe(true);
    }
    expect(server?.requests).toHaveLength(expected.size);
    expect(sink.report.recordings.created).toBe(expected.size);

    // A rerun finds them complete in the manifest and asks the appliance for nothing.
    const rerun = await run(batch, { types: allTypes });
    expect(server?.requests).toHaveLength(expected.size);
    expect(rerun.report.recordings.alreadyComplete).toBe(expected.size);
    expect((await userFiles()).filter((f) => !f.startsWith('sessions/'))).toEqual([...expected.keys()].sort());
  });

  it('asks nothing for sessions without recordings or still in progress', async () => {
    const all = sessionBundles(30, { product: 'rs' });
    const none = all.filter((b) => b.session.recordingDownloadUrl === null && b.session.commandShellRecordings.length === 0 && b.session.showMyScreenRecordings.length === 0);
    const start = Date.parse(all[0]?.session.startTime as string) / 1000;
    const inProgress = sessionBundle(0, { product: 'rs', asOf: start + 1 });
    expect(none.length).toBeGreaterThan(0);
    await run([...none, inProgress], { types: allTypes });
    expect(server?.requests).toEqual([]);
  });

  it('records an expired recording, reports it once, and never asks for it again', async () => {
    const bundle = sessionBundles(20).find((b) => b.session.recordingDownloadUrl !== null) as SessionBundle;
    replies = () => ({ error: 'This recording has expired and can no longer be viewed or downloaded.' });
    const first = await run([bundle], { types: ['recordings'] });
    expect(first.report.missing).toEqual([expect.objectContaining({ lsid: bundle.session.key.lsid, status: 'expired', message: 'This recording has expired and can no longer be viewed or downloaded.' })]);
    const second = await run([bundle], { types: ['recordings'] });
    expect(server?.requests).toHaveLength(1);
    expect(second.report.missing).toEqual([]);
    expect(second.report.knownMissing).toBe(1);
    expect(await userFiles()).toEqual([]);
  });

  it.each(['truncate', 'reset'] as const)('a download cut short (%s) leaves no file and is fetched again next run', async (fault) => {
    const bundle = sessionBundles(20).find((b) => b.session.recordingDownloadUrl !== null) as SessionBundle;
    replies = () => ({ size: 3_000_000, fault, faultAt: 1_000_000 });
    await expect(run([bundle], { types: ['recordings'] })).rejects.toThrow(/will be fetched again|cut short/);
    expect(await listFiles(tmp.dir)).toEqual(['recordings/.sra-etl/manifest.jsonl']);
    expect(await readFile(path.join(tmp.dir, 'recordings/.sra-etl/manifest.jsonl'), 'utf8')).toBe('');

    replies = () => ({ size: 3_000_000 });
    await run([bundle], { types: ['recordings'] });
    const name = `recordings/support.example.com-support-${bundle.session.key.lsid}.flv`;
    expect(await userFiles()).toEqual([name]);
    expect((await readFile(path.join(tmp.dir, name))).length).toBe(3_000_000);
  });

  it('cancelling mid-download removes the temporary file and leaves no final one', async () => {
    const bundle = sessionBundles(20).find((b) => b.session.recordingDownloadUrl !== null) as SessionBundle;
    replies = () => ({ size: 512 * 1024 * 1024 });
    const controller = new AbortController();
    const sink = new FileSink({ root: tmp.dir, types: ['recordings'] }, { fetcher: artifactFetcher((server as ArtifactServer).url) });
    const cancellable = { ...ctx, signal: controller.signal };
    await sink.connect(cancellable);
    const writing = sink.writeBatch([bundle], cancellable);
    const tempDir = path.join(tmp.dir, 'recordings/.sra-etl/tmp');
    while ((await readdir(tempDir)).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('stop requested'));
    await expect(writing).rejects.toThrow('stop requested');
    await sink.abort(new Error('stop requested'));
    expect(await readdir(tempDir)).toEqual([]);
    expect(await userFiles()).toEqual([]);
  });

  it("AppendNumber keeps someone else's file of the same name, and a complete recording is not fetched again whatever its number", async () => {
    const bundle = sessionBundles(20).find((b) => b.session.recordingDownloadUrl !== null) as SessionBundle;
    const base = `support.example.com-support-${bundle.session.key.lsid}`;
    await mkdir(path.join(tmp.dir, 'recordings'), { recursive: true });
    await writeFile(path.join(tmp.dir, 'recordings', `${base}.flv`), 'older file');
    await run([bundle], { types: ['recordings'] });
    await run([bundle], { types: ['recordings'] });
    expect(await userFiles()).toEqual([`recordings/${base}.1.flv`, `recordings/${base}.flv`]);
    expect(await readFile(path.join(tmp.dir, 'recordings', `${base}.flv`), 'utf8')).toBe('older file');
    expect(server?.requests).toHaveLength(1);
  });

  it('a recording already there with the same bytes (an earlier tool, a lost manifest line) is recorded, not stored twice', async () => {
    const bundle = sessionsWithRecording()[0] as SessionBundle;
    const lsid = bundle.session.key.lsid;
    const base = `support.example.com-support-${lsid}`;
    await mkdir(path.join(tmp.dir, 'recordings'), { recursive: true });
    await writeFile(path.join(tmp.dir, 'recordings', `${base}.flv`), 'a different recording');
    await writeFile(path.join(tmp.dir, 'recordings', `${base}.1.flv`), syntheticFile(`AccessSessionRecording/${lsid}/`, 1000 + lsid.charCodeAt(0)));
    const first = await run([bundle], { types: ['recordings'] });
    expect(first.report.recordings).toMatchObject({ created: 0, unchanged: 1 });
    expect(await userFiles()).toEqual([`recordings/${base}.1.flv`, `recordings/${base}.flv`]);
    const second = await run([bundle], { types: ['recordings'] });
    expect(second.report.recordings.alreadyComplete).toBe(1);
    expect(server?.requests).toHaveLength(1);
  });

  it('Skip leaves an existing recording alone; Overwrite replaces it', async () => {
    const bundle = sessionBundles(20).find((b) => b.session.recordingDownloadUrl !== null) as SessionBundle;
    const file = path.join(tmp.dir, 'recordings', `support.example.com-support-${bundle.session.key.lsid}.flv`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'older file');
    expect((await run([bundle], { types: ['recordings'], settings: { recordings: { conflict: 'Skip' } } })).report.recordings.skipped).toBe(1);
    expect(await readFile(file, 'utf8')).toBe('older file');
    expect((await run([bundle], { types: ['recordings'], settings: { recordings: { conflict: 'Overwrite' } } })).report.recordings.overwritten).toBe(1);
    expect((await readFile(file)).length).toBe(1000 + bundle.session.key.lsid.charCodeAt(0));
    expect(await userFiles()).toHaveLength(1);
  });

  it('takes %EXTENSION% from the Content-Disposition name or the Content-Type', async () => {
    const bundle = sessionBundles(20, { product: 'rs' }).find((b) => b.session.recordingDownloadUrl !== null && b.session.commandShellRecordings.length > 0) as SessionBundle;
    replies = (request) => (request.report === 'CommandShellRecording' ? { size: 10, fileName: 'shell.HTML' } : { size: 10, contentType: 'video/mp4' });
    await run([bundle], { types: ['recordings', 'shell-recordings'] });
    const files = await userFiles();
    expect(files.filter((f) => f.startsWith('recordings/'))).toEqual([`recordings/support.example.com-support-${bundle.session.key.lsid}.mp4`]);
    expect(files.filter((f) => f.startsWith('shell-recordings/')).every((f) => f.endsWith('.html'))).toBe(true);
  });

  it('removes downloads a crashed run left behind, but not those of a live process', async () => {
    const stale = path.join(tmp.dir, 'recordings/.sra-etl/tmp');
    await mkdir(stale, { recursive: true });
    const sink0 = new FileSink({ root: tmp.dir, types: ['recordings'] }, { fetcher: artifactFetcher((server as ArtifactServer).url) });
    await sink0.connect(ctx); // learn this host's tag from a real temp name
    await sink0.close();
    const { TempFiles } = await import('../../../../sinks/file/temp-files.ts');
    const probe = new TempFiles(stale);
    const live = await probe.writeBuffer(Buffer.from('in progress')); // owned by this (live) process
    const tag = path.basename(live.path).split('-')[0] as string;
    await writeFile(path.join(stale, `${tag}-99999999-abcdef.partial`), 'dead writer');
    const sink = new FileSink({ root: tmp.dir, types: ['recordings'] }, { fetcher: artifactFetcher((server as ArtifactServer).url) });
    await sink.connect(ctx);
    await sink.close();
    expect(sink.report.staleTempsRemoved).toBe(1);
    expect(await readdir(stale)).toEqual([path.basename(live.path)]);
  });
});

describe('site backups', () => {
  it('stores .nsb backups with the password and keeps the Retention Count newest', async () => {
    let clock = Date.UTC(2024, 11, 3, 15, 26, 5);
    const settings: Partial<FileSinkSettings> = { types: ['backups'], backupRetention: 2, backupPassword: 'hunter2' };
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const sink = new FileSink({ root: tmp.dir, ...settings }, { fetcher: artifactFetcher((server as ArtifactServer).url), now: () => new Date(clock) });
      await sink.connect(ctx);
      names.push(path.basename((await sink.storeBackup(ctx)).path));
      await sink.close();
      clock += 3_600_000;
    }
    expect(names).toEqual(['support.example.com-2024-12-03-152605.nsb', 'support.example.com-2024-12-03-162605.nsb', 'support.example.com-2024-12-03-172605.nsb', 'support.example.com-2024-12-03-182605.nsb']);
    expect(await userFiles()).toEqual(names.slice(2).map((n) => `backups/${n}`));
    expect(server?.backupRequests).toEqual(['hunter2', 'hunter2', 'hunter2', 'hunter2']);
    expect((await readFile(path.join(tmp.dir, 'backups', names[3] as string))).length).toBe(5000);
  });

  it('keeps every backup when the Retention Count is empty, and never deletes files it did not write', async () => {
    await mkdir(path.join(tmp.dir, 'backups'), { recursive: true });
    await writeFile(path.join(tmp.dir, 'backups', 'hand-made.nsb'), 'x');
    let clock = Date.UTC(2024, 0, 1);
    for (const retention of [null, null, null, 1]) {
      const sink = new FileSink({ root: tmp.dir, types: ['backups'], backupRetention: retention }, { fetcher: artifactFetcher((server as ArtifactServer).url), now: () => new Date(clock) });
      await sink.storeBackup(ctx);
      await sink.close();
      clock += 60_000;
    }
    expect(await userFiles()).toEqual(['backups/hand-made.nsb', 'backups/support.example.com-2024-01-01-000300.nsb']);
  });
});

describe('configuration', () => {
  it('needs a fetcher for recordings and backups', async () => {
    const sink = new FileSink({ root: tmp.dir, types: ['sessions', 'recordings'] });
    await expect(sink.connect(ctx)).rejects.toThrow(/recordings and backups are downloaded from an appliance/);
  });

  it('accepts a UNC destination, and on Linux says how to reach the share', async () => {
    const sink = new FileSink({ root: '\\\\server\\share\\sra' }, { platform: 'linux' });
    expect(sink.settings.flavor).toBe('win32');
    expect(sink.settings.byType.get('sessions')?.directory).toBe('\\\\server\\share\\sra\\sessions');
    await expect(sink.connect(ctx)).rejects.toThrow(/mount the share/);
  });

  it('names the bad key', () => {
    expect(() => new FileSink({ root: tmp.dir, settings: { recordings: { format: '%lsid%.flv' } } })).toThrow(/recordings\.format/);
    expect(() => new FileSink({ root: tmp.dir, settings: { backups: { directory: '../elsewhere' } } })).toThrow(/backups\.directory/);
    expect(() => new FileSink({ root: tmp.dir, backupRetention: 0 })).toThrow(/backups\.retention/);
  });
});
