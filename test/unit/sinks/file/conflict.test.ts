import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendNumber, parseConflictHandling, placeFile } from '../../../../sinks/file/conflict.ts';
import { listFiles, makeTempDir } from '../../../helpers/temp-dir.ts';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let counter = 0;
beforeEach(async () => {
  tmp = await makeTempDir('sra-conflict-');
});
afterEach(async () => {
  await tmp.remove();
});

/** A complete "download" waiting in a temporary file. */
async function temp(content: string): Promise<string> {
  const file = path.join(tmp.dir, `.tmp-${counter++}`);
  await writeFile(file, content);
  return file;
}

describe('appendNumber', () => {
  it('inserts the number just before the last period of the file name', () => {
    expect(appendNumber('support.example.com-support-1234.flv', 1)).toBe('support.example.com-support-1234.1.flv');
    expect(appendNumber('/d/support.example.com/x-1234.flv', 2)).toBe('/d/support.example.com/x-1234.2.flv');
    expect(appendNumber('/d/a.b/name', 3)).toBe('/d/a.b/name.3');
  });
});

describe('placeFile', () => {
  const guideName = 'support.example.com-support-1234.flv';

  it("AppendNumber: the guide's example, …-1234.flv then …-1234.1.flv then …-1234.2.flv", async () => {
    const target = path.join(tmp.dir, guideName);
    const first = await placeFile(await temp('one'), target, 'AppendNumber');
    const second = await placeFile(await temp('two'), target, 'AppendNumber');
    const third = await placeFile(await temp('three'), target, 'AppendNumber');
    expect([first, second, third].map((p) => path.basename(p.path))).toEqual([guideName, 'support.example.com-support-1234.1.flv', 'support.example.com-support-1234.2.flv']);
    expect(await readFile(path.join(tmp.dir, 'support.example.com-support-1234.1.flv'), 'utf8')).toBe('two');
    expect(await listFiles(tmp.dir)).toEqual([guideName, 'support.example.com-support-1234.1.flv', 'support.example.com-support-1234.2.flv'].sort());
  });

  it('AppendNumber takes the smallest free number', async () => {
    const target = path.join(tmp.dir, 'x.flv');
    await writeFile(target, 'a');
    await writeFile(path.join(tmp.dir, 'x.2.flv'), 'c');
    const placed = await placeFile(await temp('new'), target, 'AppendNumber');
    expect(path.basename(placed.path)).toBe('x.1.flv');
  });

  it('Overwrite replaces the existing file with the newly downloaded data', async () => {
    const target = path.join(tmp.dir, guideName);
    expect((await placeFile(await temp('old'), target, 'Overwrite')).outcome).toBe('created');
    const placed = await placeFile(await temp('new'), target, 'Overwrite');
    expect(placed).toEqual({ outcome: 'overwritten', path: target });
    expect(await readFile(target, 'utf8')).toBe('new');
    expect(await listFiles(tmp.dir)).toEqual([guideName]);
  });

  it('Skip keeps the existing file and creates no new one', async () => {
    const target = path.join(tmp.dir, guideName);
    await placeFile(await temp('old'), target, 'Skip');
    const placed = await placeFile(await temp('new'), target, 'Skip');
    expect(placed).toEqual({ outcome: 'skipped', path: target });
    expect(await readFile(target, 'utf8')).toBe('old');
    expect(await listFiles(tmp.dir)).toEqual([guideName]);
  });

  it('AppendNumber under concurrency: 40 writers of one name get 40 distinct names and no data is lost', async () => {
    const target = path.join(tmp.dir, 'same.xml');
    const temps = await Promise.all(Array.from({ length: 40 }, (_, i) => temp(`writer ${i}`)));
    const placed = await Promise.all(temps.map((file) => placeFile(file, target, 'AppendNumber')));
    const names = placed.map((p) => path.basename(p.path));
    expect(new Set(names).size).toBe(40);
    expect(new Set(names)).toEqual(new Set(['same.xml', ...Array.from({ length: 39 }, (_, i) => `same.${i + 1}.xml`)]));
    const contents = await Promise.all(placed.map((p) => readFile(p.path, 'utf8')));
    expect(new Set(contents).size).toBe(40);
  });

  it('Skip under concurrency: exactly one writer wins the name', async () => {
    const target = path.join(tmp.dir, 'one.xml');
    const temps = await Promise.all(Array.from({ length: 20 }, (_, i) => temp(`writer ${i}`)));
    const placed = await Promise.all(temps.map((file) => placeFile(file, target, 'Skip')));
    expect(placed.filter((p) => p.outcome === 'created')).toHaveLength(1);
    expect(await listFiles(tmp.dir)).toEqual(['one.xml']);
  });
});

describe('parseConflictHandling', () => {
  it("accepts the guide's options in any case and names the key otherwise", () => {
    expect(parseConflictHandling('appendnumber', 'k')).toBe('AppendNumber');
    expect(parseConflictHandling('OVERWRITE', 'k')).toBe('Overwrite');
    expect(() => parseConflictHandling('Rename', 'recordings.conflict')).toThrow(/recordings\.conflict "Rename": unknown conflict handling; use AppendNumber, Overwrite, Skip/);
  });
});
