// Session XML files through the real parser: every session of the peer fixtures, the hand-written
// samples and a generated report is written as its own document, and each file parses back to
// exactly that session, with the original declaration and namespace.
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateReport } from '../../../fixtures/generator/generate-report.ts';
import { FileSink } from '../../../sinks/file/file-sink.ts';
import type { SessionBundle } from '../../../src/records.ts';
import { silentLogger, type StageContext } from '../../../src/stage.ts';
import { parseReport } from '../../../stages/parsers/session-report-parser.ts';
import { listFiles, makeTempDir } from '../../helpers/temp-dir.ts';

const ctx: StageContext = { signal: new AbortController().signal, logger: silentLogger };
const root = path.resolve(import.meta.dirname, '../../../fixtures');
let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  tmp = await makeTempDir('sra-roundtrip-');
});
afterEach(async () => {
  await tmp.remove();
});

async function sessionsOf(bytes: AsyncIterable<Uint8Array | string>, source: string): Promise<SessionBundle[]> {
  const bundles: SessionBundle[] = [];
  for await (const item of parseReport(bytes, { source, host: 'support.example.com', captureRawXml: true })) if (item.type === 'session') bundles.push(item.bundle);
  return bundles;
}

/** What must survive the trip: everything but where it was read from. */
const comparable = (bundle: SessionBundle) => ({ ...bundle, origin: undefined, rawXml: undefined, xmlBytes: undefined });

const inputs = async (): Promise<{ name: string; bytes: () => AsyncIterable<Uint8Array | string> }[]> => {
  const files: string[] = [];
  for (const dir of ['peer', 'reports']) for (const name of await readdir(path.join(root, dir))) if (name.endsWith('.xml')) files.push(path.join(dir, name));
  return [
    ...files.map((name) => ({ name, bytes: () => createReadStream(path.join(root, name)) })),
    { name: 'generated-rs', bytes: () => generateReport({ seed: 9, product: 'rs', sessions: 30 }) },
    { name: 'generated-pra', bytes: () => generateReport({ seed: 9, product: 'pra', sessions: 30 }) },
  ];
};

describe('session XML files from the parser', () => {
  it('one well-formed document per session that parses back to the same session', async () => {
    let total = 0;
    for (const input of await inputs()) {
      const bundles = await sessionsOf(input.bytes(), input.name);
      if (bundles.length === 0) continue;
      const dir = path.join(tmp.dir, input.name.replace(/[/.]/g, '_'));
      const sink = new FileSink({ root: dir, settings: { sessions: { format: '%LSID%.xml' } } });
      await sink.connect(ctx);
      await sink.writeBatch(bundles, ctx);
      await sink.close();
      expect(await listFiles(path.join(dir, 'sessions'))).toEqual(bundles.map((b) => `${b.session.key.lsid}.xml`).sort());
      const head = (await readFile(path.join(root, input.name), 'utf8').catch(() => '')).slice(0, 200);
      for (const bundle of bundles) {
        const file = path.join(dir, 'sessions', `${bundle.session.key.lsid}.xml`);
        const text = await readFile(file, 'utf8');
        expect(text.startsWith('<?xml'), `${input.name}: declaration`).toBe(true);
        if (head.includes('xmlns=')) expect(text).toContain(/xmlns(:\w+)?="[^"]+"/.exec(head)?.[0] as string);
        const again = await sessionsOf(createReadStream(file), file);
        expect(again, `${input.name} ${bundle.session.key.lsid}`).toHaveLength(1);
        expect(comparable(again[0] as SessionBundle)).toEqual(comparable(bundle));
        total++;
      }
    }
    expect(total).toBeGreaterThan(60);
  });
});
