/**
 * Pulls one big report window from a simulator into a destination that only counts, then prints the
 * process's peak RSS (its own, not the parent's: see peak-rss.ts): the memory the client and parser
 * need for a report of any size.
 *
 *   node test/helpers/large-pull-child.ts '{"url":…,"clientId":…,"clientSecret":…,"from":…,"seconds":…}'
 */
import { SqliteStateStore } from '../../sinks/state/sqlite-state-store.ts';
import type { BundleSink } from '../../src/stage.ts';
import { parseReport } from '../../stages/parsers/session-report-parser.ts';
import { ApplianceClient } from '../../stages/sources/appliance/appliance-client.ts';
import { pullSite } from '../../stages/sources/appliance/pull-site.ts';
import { peakRssBytes } from './peak-rss.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as { url: string; clientId: string; clientSecret: string; from: number; seconds: number };
let sessions = 0;
let bodyBytes = 0;
const countingSink: BundleSink = {
  type: 'count',
  connect: () => Promise.resolve(),
  writeBatch: (batch) => {
    sessions += batch.length;
    return Promise.resolve({ written: batch.length, rejected: [] });
  },
  close: () => Promise.resolve(),
  abort: () => Promise.resolve(),
};
const client = new ApplianceClient({ site: args.url, credentials: { kind: 'oauth', clientId: args.clientId, clientSecret: args.clientSecret } });
const state = new SqliteStateStore(':memory:');
const result = await pullSite({
  client, product: 'pra', sink: countingSink, state, target: 'count', parse: parseReport,
  mode: { kind: 'range', from: args.from, to: args.from + args.seconds }, windowSeconds: args.seconds, ...(process.env.BATCH === undefined ? {} : { maxBatchSessions: Number(process.env.BATCH) }),
  progress: { windows() {}, windowDone() {}, sessions() {}, files() {}, bytes: (count) => (bodyBytes += count) },
});
await state.close();
await client.close();
process.stdout.write(`${JSON.stringify({ windows: result.windows, sessions, bodyBytes, maxRssBytes: peakRssBytes() })}\n`);
