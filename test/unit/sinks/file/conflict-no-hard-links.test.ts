// Some destinations (FAT, some SMB shares) have no hard links: names are then claimed by an
// exclusive create and the complete file renamed over the claim. Simulated by making link() fail.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as FsPromises from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { listFiles, makeTempDir } from '../../../helpers/temp-dir.ts';

vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof FsPromises>();
  const link = vi.fn(() => Promise.reject(Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' })));
  return { ...original, default: { ...original, link }, link };
});

const { placeFile } = await import('../../../../sinks/file/conflict.ts');

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  tmp = await makeTempDir('sra-nolink-');
});
afterEach(async () => {
  await tmp.remove();
});

describe('placeFile without hard links', () => {
  it('still follows AppendNumber, Overwrite and Skip', async () => {
    const target = path.join(tmp.dir, 'x.flv');
    const write = async (name: string, content: string) => {
      const file = path.join(tmp.dir, name);
      await writeFile(file, content);
      return file;
    };
    expect((await placeFile(await write('.t1', 'one'), target, 'AppendNumber')).path).toBe(target);
    expect((await placeFile(await write('.t2', 'two'), target, 'AppendNumber')).path).toBe(path.join(tmp.dir, 'x.1.flv'));
    expect((await placeFile(await write('.t3', 'three'), target, 'Skip')).outcome).toBe('skipped');
    expect((await placeFile(await write('.t4', 'four'), target, 'Overwrite')).outcome).toBe('overwritten');
    expect(await readFile(target, 'utf8')).toBe('four');
    expect(await readFile(path.join(tmp.dir, 'x.1.flv'), 'utf8')).toBe('two');
    expect(await listFiles(tmp.dir)).toEqual(['x.1.flv', 'x.flv']);
  });
});
