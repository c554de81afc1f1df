/**
 * File destination figures: session XML files written per second, and one big recording downloaded
 * from the appliance simulator through the real client (MB/s and the downloading process's peak RSS,
 * measured in a child process so the simulator's own memory is not counted).
 *
 *   node bench/file-sink.bench.ts [--sessions 5000] [--recording-mb 1024] [--dir /tmp]
 *   node bench/file-sink.bench.ts --help
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { flushCompileCache } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { planSession } from '../fixtures/generator/generate-report.ts';
import { reportFooter, reportHeader, sessionXml } from '../fixtures/generator/report-xml.ts';
import { syntheticSession } from '../fixtures/generator/synthetic-session.ts';
import { FileSink } from '../sinks/file/file-sink.ts';
import type { SessionBundle } from '../src/records.ts';
import { startSimulator } from '../src/simulator/simulator.ts';
import { silentLogger } from '../src/stage.ts';
import { ApplianceClient, downloadRecording } from '../stages/sources/appliance/index.ts';
import { peakRssMb } from '../test/helpers/peak-rss.ts';
import { figuresFromChild } from './child-figures.ts';
import { parseScriptArgs, positiveNumber, usageError } from './script-args.ts';

const USAGE = `Usage: node bench/file-sink.bench.ts [options]

Writes generated sessions as one XML file each (sessions/s, MB/s, every file fsynced), then downloads
one recording from the appliance simulator through the real client in a child process (MB/s and
that process's peak RSS).

Options:
  --sessions <n>        session XML files to write (default 5000)
  --recording-mb <MiB>  size of the recording to download, in MiB (default 1024)
  --dir <dir>           where the files go, in a temporary folder removed afterwards (default ${tmpdir()})
  -h, --help            print this help and exit

Internal (the bench starts its child with these): --child --url <simulator> --lsid <lsid> --dir <dir>
`;

const { values } = parseScriptArgs(USAGE, () => parseArgs({
  options: {
    sessions: { type: 'string', default: '5000' },
    'recording-mb': { type: 'string', default: '1024' },
    dir: { type: 'string', default: tmpdir() },
    help: { type: 'boolean', short: 'h' },
    child: { type: 'boolean', default: false },
    url: { type: 'string' },
    lsid: { type: 'string' },
  },
}));
const ctx = { signal: new AbortController().signal, logger: silentLogger };

/** In the child: download one recording with the file sink and print the figures as JSON. */
async function downloadInChild(): Promise<void> {
  const client = new ApplianceClient({ site: values.url as string, credentials: { kind: 'oauth', clientId: 'sra-etl-simulator', clientSecret: 'simulator-secret' } });
  const lsid = values.lsid as string;
  const key = { host: client.site.host, lsid };
  const bundle = { session: { key, product: 'pra', sessionType: 'support', lseq: 1, startTime: null, endTime: null, externalKey: '', recordingDownloadUrl: 'x', recordingViewUrl: 'x', commandShellRecordings: [], showMyScreenRecordings: [] }, origin: { source: 'bench', index: 0 } } as unknown as SessionBundle;
  const sink = new FileSink({ root: values.dir as string, types: ['recordings'] }, {
    fetcher: { host: key.host, fetchRecording: (r, signal) => downloadRecording(client, { product: 'pra', lsid: r.lsid, signal }), fetchBackup: () => Promise.reject(new Error('unused')) },
  });
  await sink.connect(ctx);
  flushCompileCache();
  const before = peakRssMb();
  const started = performance.now();
  await sink.writeBatch([bundle], ctx);
  const seconds = (performance.now() - started) / 1000;
  await sink.close();
  await client.close();
  process.stdout.write(JSON.stringify({ bytes: sink.report.recordings.bytes, seconds, rssBeforeMb: before, peakRssMb: peakRssMb() }));
}

async function sessionFiles(dir: string, count: number): Promise<void> {
  const bundles: SessionBundle[] = [];
  let bytes = 0;
  for (let index = 0; index < count; index++) {
    const bundle = syntheticSession(planSession({ seed: 'bench', product: 'pra' }, index));
    const rawXml = reportHeader('pra') + sessionXml(bundle, { product: 'pra' }) + reportFooter();
    bytes += Buffer.byteLength(rawXml);
    bundles.push({ ...bundle, rawXml });
  }
  const sink = new FileSink({ root: dir, types: ['sessions'] });
  await sink.connect(ctx);
  const started = performance.now();
  for (let i = 0; i < bundles.length; i += 500) await sink.writeBatch(bundles.slice(i, i + 500), ctx);
  const seconds = (performance.now() - started) / 1000;
  await sink.close();
  process.stdout.write(`session XML files: ${count} sessions, ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(0)} sessions/s, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s (each file fsynced)\n`);
}

async function recording(dir: string, megabytes: number): Promise<void> {
  const size = Math.round(megabytes * 1024 * 1024);
  const sim = await startSimulator({ product: 'pra', seed: 'bench', sessions: 20, days: 1, clock: 'manual', expiredRecordingRate: 0, recordingBytes: { min: size, max: size } });
  try {
    const now = sim.applianceNow() / 1000;
    const index = [...sim.dataset.startedBetween(0, now, now)].find((i) => sim.dataset.hasRecording(i, now));
    if (index === undefined) throw new Error('no recording in the simulator data set');
    const run = (target: string) => figuresFromChild<{ bytes: number; seconds: number; rssBeforeMb: number; peakRssMb: number }>(
      [import.meta.filename, '--child', '--url', sim.url, '--lsid', sim.dataset.lsid(index), '--dir', target],
      { env: { ...process.env, NODE_COMPILE_CACHE: path.join(dir, 'compile-cache') }, what: 'the download child' },
    );
    await run(path.join(dir, 'warm-up')).catch(() => undefined); // fills the compile cache
    await rm(path.join(dir, 'warm-up'), { recursive: true, force: true });
    const result = await run(path.join(dir, 'recording'));
    process.stdout.write(`recording download: ${(result.bytes / 1048576).toFixed(0)} MiB in ${result.seconds.toFixed(2)} s = ${(result.bytes / 1e6 / result.seconds).toFixed(0)} MB/s; peak RSS ${result.peakRssMb.toFixed(1)} MB (${result.rssBeforeMb.toFixed(1)} MB before the download)\n`);
  } finally {
    await sim.close();
  }
}

if (values.child) {
  if (values.url === undefined || values.lsid === undefined) usageError(USAGE, '--child needs --url and --lsid');
  await downloadInChild();
} else {
  const sessions = positiveNumber(USAGE, 'sessions', values.sessions);
  const recordingMb = positiveNumber(USAGE, 'recording-mb', values['recording-mb']);
  const dir = await mkdtemp(path.join(values.dir, 'sra-bench-file-'));
  try {
    await sessionFiles(path.join(dir, 'sessions'), sessions);
    await recording(dir, recordingMb);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
