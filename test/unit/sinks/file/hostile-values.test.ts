// Values taken from reports can never write outside the destination: each hostile value goes through
// every replacement value of every data type, on the real file system, and then every file under the
// test's parent folder is checked to be inside the destination.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSink } from '../../../../sinks/file/file-sink.ts';
import { MAX_COMPONENT_BYTES } from '../../../../sinks/file/path-safety.ts';
import { silentLogger, type StageContext } from '../../../../src/stage.ts';
import { artifactFetcher, startArtifactServer, type ArtifactServer } from '../../../helpers/artifact-server.ts';
import { sessionBundles, withSession } from '../../../helpers/session-bundles.ts';
import { listFiles, makeTempDir } from '../../../helpers/temp-dir.ts';

const ctx: StageContext = { signal: new AbortController().signal, logger: silentLogger };
const HOSTILE = ['../../x', '..', '/etc/cron.d/x', 'C:\\Windows\\x', 'C:x', '\\\\server\\share', '//server/share/x', 'CON', 'nul', 'COM1.flv', 'LPT9', 'x'.repeat(300), 'ü'.repeat(300), 'dots...', 'space ', '<>:"|?*', '.sra-etl', 'a\u0000b'];

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let server: ArtifactServer;
beforeEach(async () => {
  tmp = await makeTempDir('sra-hostile-');
  server = await startArtifactServer({ recording: () => ({ size: 64 }) });
});
afterEach(async () => {
  await server.close();
  await tmp.remove();
});

describe('hostile report values', () => {
  it('never write outside the destination, whatever the format', async () => {
    const destination = path.join(tmp.dir, 'dest');
    const base = sessionBundles(40, { product: 'rs' }).find((b) => b.session.recordingDownloadUrl !== null && b.session.commandShellRecordings.length > 0 && b.session.showMyScreenRecordings.length > 0);
    expect(base).toBeDefined();
    const batch = HOSTILE.map((value, i) => withSession(base as NonNullable<typeof base>, { key: { host: value, lsid: `${value}` }, externalKey: value, sessionType: value, lseq: i }));
    const format = '%SESSION_TYPE%/%EXTERNAL_KEY%/%SUPPORT_SITE_HOST%-%LSID%-%LSEQ%.xml';
    const media = '%EXTERNAL_KEY%/%SESSION_TYPE%-%LSID%-%INSTANCE%.%EXTENSION%';
    const sink = new FileSink(
      {
        root: destination,
        types: ['sessions', 'recordings', 'shell-recordings', 'sms-recordings'],
        settings: {
          sessions: { format },
          recordings: { format: '%SUPPORT_SITE_HOST%/%LSID%.%EXTENSION%' },
          'shell-recordings': { format: media },
          'sms-recordings': { format: media },
        },
      },
      { fetcher: artifactFetcher(server.url) },
    );
    await sink.connect(ctx);
    await sink.writeBatch(batch, ctx);
    await sink.close();

    // Nothing but the destination appeared in the parent folder, and nothing escaped it.
    expect(await readdir(tmp.dir)).toEqual(['dest']);
    const files = await listFiles(destination);
    const written = files.filter((file) => !file.includes('.sra-etl/'));
    expect(written.length).toBe(batch.length * 2 + batch.length * (base?.session.commandShellRecordings.length ?? 0) + batch.length * (base?.session.showMyScreenRecordings.length ?? 0));
    for (const file of written) {
      const absolute = path.resolve(destination, file);
      expect(absolute.startsWith(destination + path.sep), file).toBe(true);
      for (const component of file.split('/')) {
        expect(component === '..' || component === '.' || component === '', file).toBe(false);
        expect(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(component), file).toBe(false);
        expect(/[\\:*?"<>|]/.test(component), file).toBe(false);
        expect(/[. ]$/.test(component), file).toBe(false);
        expect(Buffer.byteLength(component), file).toBeLessThanOrEqual(MAX_COMPONENT_BYTES);
      }
    }
    // Hostile values never land in the state folder either.
    expect(files.filter((file) => file.includes('.sra-etl/')).every((file) => /^(sessions|recordings|shell-recordings|sms-recordings)\/\.sra-etl\/manifest\.jsonl$/.test(file))).toBe(true);
    expect(sink.report.sessionFiles.created).toBe(batch.length);
  });
});
