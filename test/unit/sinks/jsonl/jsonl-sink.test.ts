/**
 * The JSON Lines destination: one record per line with kind and session key, in the report's order,
 * visible only once the run succeeded (temp file + fsync + rename), nothing left behind on abort.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findDestination, openDestination } from '../../../../sinks/destinations.ts';
import { JsonlSink, openJsonlDestination } from '../../../../sinks/jsonl/jsonl-sink.ts';
import { ConfigError, SinkWriteError } from '../../../../src/errors.ts';
import { flattenBundle, type ReportErrorRecord, type SessionSummaryRecord } from '../../../../src/records.ts';
import { sessionBundles } from '../../../helpers/session-bundles.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const summary: SessionSummaryRecord = { kind: 'session_summary', key: { host: 'h.example', lsid: 'abc' }, hasRecording: true, externalKey: null, extra: [] };
const reportError: ReportErrorRecord = { kind: 'report_error', code: null, message: 'No Support report information matching your chosen criteria is available.', origin: { source: 'r.xml', line: 2, index: 0 } };

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  tmp = await makeTempDir('sra-jsonl-');
});
afterEach(async () => {
  await tmp.remove();
});

const lines = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('jsonl: destination', () => {
  it('is registered for --to jsonl:', async () => {
    expect(findDestination('jsonl:-').name).toBe('jsonl');
    const sink = await openDestination(`jsonl:${path.join(tmp.dir, 'x.jsonl')}`);
    expect(sink.type).toBe('jsonl');
    expect(() => openJsonlDestination('jsonl:')).toThrow(ConfigError);
  });

  it('writes one record per line, each with its kind and session key, session first then its children', async () => {
    const target = path.join(tmp.dir, 'out.jsonl');
    const sink = openJsonlDestination(`jsonl:${target}`);
    const bundles = sessionBundles(3);
    await sink.connect();
    expect(await sink.writeBatch(bundles.slice(0, 2))).toEqual({ written: 2, rejected: [] });
    await sink.writeRecords([summary, reportError]);
    await sink.writeBatch(bundles.slice(2));
    expect(existsSync(target)).toBe(false); // not visible before the run succeeds
    await sink.close();
    const records = lines(await readFile(target, 'utf8'));
    const expected = [...bundles.slice(0, 2).flatMap((bundle) => [...flattenBundle(bundle)]), summary, reportError, ...flattenBundle(bundles[2] as never)];
    expect(records).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(sink.lines).toBe(expected.length);
    for (const record of records) {
      expect(record.kind).toBeTypeOf('string');
      if (record.kind !== 'report_error' && record.kind !== 'session_summary') expect(record.key).toMatchObject({ host: 'support.example.com' });
    }
    expect(await readdir(tmp.dir)).toEqual(['out.jsonl']); // the temp file became the target
  });

  it('replaces an existing file only on success, and abort leaves the old one and no temp file', async () => {
    const target = path.join(tmp.dir, 'out.jsonl');
    await writeFile(target, 'old\n');
    const sink = new JsonlSink({ path: target });
    await sink.connect();
    await sink.writeBatch(sessionBundles(2));
    await sink.abort();
    await sink.abort(); // idempotent
    expect(await readFile(target, 'utf8')).toBe('old\n');
    expect(await readdir(tmp.dir)).toEqual(['out.jsonl']);
  });

  it('treats writeBatch([]) as a no-op and close() twice as once', async () => {
    const target = path.join(tmp.dir, 'empty.jsonl');
    const sink = new JsonlSink({ path: target });
    await sink.connect();
    expect(await sink.writeBatch([])).toEqual({ written: 0, rejected: [] });
    await sink.close();
    await sink.close();
    expect(await readFile(target, 'utf8')).toBe('');
  });

  it('says clearly when the target is a folder or its folder does not exist', async () => {
    await expect(new JsonlSink({ path: tmp.dir }).connect()).rejects.toThrow(/is a folder; give a file name/);
    const missing = path.join(tmp.dir, 'no', 'such', 'out.jsonl');
    const error = await new JsonlSink({ path: missing }).connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SinkWriteError);
    expect((error as Error).message).toBe(`cannot write ${missing}: the folder ${path.dirname(missing)} does not exist`);
  });

  it('streams to a writable (standard output) and waits for it to drain', async () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    let text = '';
    const sink = new JsonlSink({ stream, name: 'test stream' });
    await sink.connect();
    const writing = sink.writeBatch(sessionBundles(2));
    // Nothing reads yet: the write waits for the reader (backpressure) instead of buffering freely.
    const early = await Promise.race([writing.then(() => 'done'), new Promise((resolve) => setTimeout(resolve, 50, 'waiting'))]);
    expect(early).toBe('waiting');
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    await writing;
    await sink.close();
    expect(lines(text)).toHaveLength(sessionBundles(2).reduce((count, bundle) => count + [...flattenBundle(bundle)].length, 0));
  });

  it('fails a write with a sink_write error when the reader went away (EPIPE)', async () => {
    const stream = new PassThrough();
    const sink = new JsonlSink({ stream, name: 'standard output' });
    stream.destroy();
    const error = await sink.writeRecords([summary]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SinkWriteError);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('EPIPE');
  });
});

describe('jsonl: concurrent batches', () => {
  it('writes batches in the order they were handed over, even when two are in flight', async () => {
    const stream = new PassThrough({ highWaterMark: 1 });
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const sink = new JsonlSink({ stream, name: 'test stream' });
    const bundles = sessionBundles(6);
    await Promise.all([sink.writeBatch(bundles.slice(0, 3)), sink.writeRecords([summary]), sink.writeBatch(bundles.slice(3))]);
    await sink.close();
    const expected = [...bundles.slice(0, 3).flatMap((bundle) => [...flattenBundle(bundle)]), summary, ...bundles.slice(3).flatMap((bundle) => [...flattenBundle(bundle)])];
    expect(lines(text)).toEqual(JSON.parse(JSON.stringify(expected)));
  });
});
