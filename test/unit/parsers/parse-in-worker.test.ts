/**
 * The worker-thread parser gives exactly what the in-thread parser gives (items, order, errors),
 * keeps its buffering bounded when the consumer is slow, and cleans up when stopped early.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateReport } from '../../../fixtures/generator/generate-report.ts';
import type { ReportItem } from '../../../src/records.ts';
import { parseReportInWorker } from '../../../stages/parsers/parse-in-worker.ts';
import type { ParseReportOptions } from '../../../stages/parsers/session-report-parser.ts';
import { asAsync, chunked, collect, type Collected } from '../../helpers/report-items.ts';

const FIXTURES = join(import.meta.dirname, '../../../fixtures');

async function collectInWorker(chunks: Iterable<Uint8Array | string>, options: ParseReportOptions & { maxBatchesAhead?: number }): Promise<Collected> {
  const items: ReportItem[] = [];
  try {
    for await (const item of parseReportInWorker(asAsync(chunks), options)) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

async function generated(sessions: number): Promise<Uint8Array> {
  let xml = '';
  for await (const chunk of generateReport({ seed: 'worker', product: 'rs', sessions })) xml += chunk;
  return new TextEncoder().encode(xml);
}

describe('parseReportInWorker', () => {
  it('gives the same items and errors as parseReport for every fixture', async () => {
    const files = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
      .filter((name) => !name.startsWith('generator') && (name.endsWith('.xml') || name.startsWith('bad/')) && statSync(join(FIXTURES, name)).isFile());
    expect(files.length).toBeGreaterThan(15);
    // Workers start in parallel: each costs a thread start-up, not parsing time.
    await Promise.all(files.map(async (name) => {
      const bytes = readFileSync(join(FIXTURES, name));
      const options = { source: name, host: 'support.example.com' };
      const inThread = await collect(chunked(bytes, 500), options);
      const inWorker = await collectInWorker(chunked(bytes, 500), options);
      expect(inWorker, name).toEqual(inThread);
      if (inThread.error !== undefined) expect((inWorker.error as Error).constructor, name).toBe((inThread.error as Error).constructor);
    }));
  });

  it('gives the same bundles for a generated report, raw XML included', async () => {
    const bytes = await generated(40);
    const options = { source: 'g.xml', product: 'rs' as const, captureRawXml: true };
    const inThread = await collect(chunked(bytes, 64 * 1024), options);
    expect(inThread.items).toHaveLength(40);
    expect(await collectInWorker(chunked(bytes, 64 * 1024), options)).toEqual(inThread);
  });

  it('passes a failing source on after the items before it', async () => {
    const bytes = await generated(6);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, Math.floor(bytes.length / 2));
      throw new Error('EIO: read failed');
    }
    const items: ReportItem[] = [];
    const error = await (async () => {
      for await (const item of parseReportInWorker(failing(), { source: 'g.xml' })) items.push(item);
    })().catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('EIO: read failed');
    const inThread = await collect(failing(), { source: 'g.xml' });
    expect(items).toEqual(inThread.items);
    expect(items.length).toBeGreaterThan(0);
  });

  /** How many input chunks the reading got ahead of a slow consumer, at worst. */
  async function worstLead(limits: { maxBatchesAhead: number; maxChunksAhead: number }): Promise<number> {
    const bytes = await generated(30);
    const chunks = [...chunked(bytes, 4096)];
    let read = 0;
    async function* counting(): AsyncGenerator<Uint8Array> {
      for (const chunk of chunks) {
        read++;
        yield chunk;
      }
    }
    let consumed = 0;
    let worst = 0;
    const chunksPerSession = chunks.length / 30;
    for await (const item of parseReportInWorker(counting(), { source: 'g.xml', ...limits })) {
      void item;
      consumed++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      worst = Math.max(worst, read - consumed * chunksPerSession);
    }
    expect(consumed).toBe(30);
    expect(read).toBe(chunks.length);
    return worst;
  }

  it('reads only a bounded distance ahead of a slow consumer (and an unbounded control shows the test can tell)', async () => {
    // Chunks in flight plus item messages allowed to wait (one per chunk), plus a session's worth.
    const bounded = await worstLead({ maxBatchesAhead: 2, maxChunksAhead: 2 });
    expect(bounded).toBeLessThanOrEqual(2 + 2 + 12);
    const unbounded = await worstLead({ maxBatchesAhead: 100_000, maxChunksAhead: 100_000 });
    expect(unbounded).toBeGreaterThan(100);
  });

  it('stops the worker and the input when the consumer stops early', async () => {
    const bytes = await generated(50);
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield* chunked(bytes, 4096);
      } finally {
        closed = true;
      }
    }
    const parser = parseReportInWorker(source(), { source: 'g.xml' });
    const first = await parser.next();
    expect(first.done).toBe(false);
    await parser.return(undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });
});
