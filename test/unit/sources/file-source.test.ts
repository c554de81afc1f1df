/** Report files for replay: folders expand to their .xml files in a fixed order; reads stream. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, SourceError } from '../../../src/errors.ts';
import { listReportFiles, readFileChunks } from '../../../stages/sources/file-source.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  tmp = await makeTempDir('sra-files-');
});
afterEach(async () => {
  await tmp.remove();
});

describe('listReportFiles', () => {
  it('expands folders recursively to .xml files in code-point order, skipping hidden entries and other files', async () => {
    const at = (...parts: string[]) => path.join(tmp.dir, ...parts);
    await mkdir(at('b', 'deeper'), { recursive: true });
    await mkdir(at('.sra-etl', 'tmp'), { recursive: true });
    for (const name of ['b/deeper/z.xml', 'b/a.XML', 'B.xml', 'a.xml', 'a.flv', '.hidden.xml', '.sra-etl/tmp/partial.xml', 'Ä.xml']) await writeFile(at(name), '<x/>');
    expect(await listReportFiles([tmp.dir])).toEqual(['B.xml', 'a.xml', 'b/a.XML', 'b/deeper/z.xml', 'Ä.xml'].map((name) => at(name)));
  });

  it('keeps explicitly named files whatever their extension, in the order given, and - for standard input', async () => {
    await writeFile(path.join(tmp.dir, 'report.txt'), '<x/>');
    expect(await listReportFiles([path.join(tmp.dir, 'report.txt'), '-'])).toEqual([path.join(tmp.dir, 'report.txt'), '-']);
  });

  it('refuses a missing path and a folder without reports as usage errors naming them', async () => {
    const missing = await listReportFiles([path.join(tmp.dir, 'nope.xml')]).catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as ConfigError).code).toBe('usage');
    expect((missing as Error).message).toBe(`${path.join(tmp.dir, 'nope.xml')}: no such file or folder`);
    await mkdir(path.join(tmp.dir, 'empty'));
    await expect(listReportFiles([path.join(tmp.dir, 'empty')])).rejects.toThrow(/the folder holds no \.xml report files/);
  });
});

describe('readFileChunks', () => {
  it('streams a file in chunks of the given size', async () => {
    const file = path.join(tmp.dir, 'r.xml');
    await writeFile(file, Buffer.alloc(10_000, 'x'));
    const sizes: number[] = [];
    for await (const chunk of readFileChunks(file, { chunkBytes: 4096 })) sizes.push(chunk.length);
    expect(sizes).toEqual([4096, 4096, 1808]);
  });

  it('turns a read failure into a SourceError naming the file', async () => {
    const error = await (async () => {
      for await (const _ of readFileChunks(tmp.dir)) void _;
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toBe(`cannot read ${tmp.dir}: is a folder`);
  });

  it('stops when cancelled', async () => {
    const file = path.join(tmp.dir, 'r.xml');
    await writeFile(file, Buffer.alloc(100_000, 'x'));
    const controller = new AbortController();
    const error = await (async () => {
      for await (const _ of readFileChunks(file, { chunkBytes: 1000, signal: controller.signal })) controller.abort();
    })().catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('AbortError');
  });
});
