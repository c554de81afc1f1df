/**
 * A range pull in a process of its own, for tests that kill it: pulls from a simulator into a
 * ReplaceByKeySink file with a SQLite state store, prints the result as JSON and exits.
 *
 *   node test/helpers/pull-child.ts '{"url":…,"clientId":…,"clientSecret":…,"statePath":…,"dbPath":…,"from":…,"to":…,"windowSeconds":…}'
 */
import { SqliteStateStore } from '../../sinks/state/sqlite-state-store.ts';
import { parseReport } from '../../stages/parsers/session-report-parser.ts';
import { ApplianceClient } from '../../stages/sources/appliance/appliance-client.ts';
import { pullSite } from '../../stages/sources/appliance/pull-site.ts';
import { ReplaceByKeySink } from './replace-by-key-sink.ts';

interface ChildArgs {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly statePath: string;
  readonly dbPath: string;
  readonly from: number;
  readonly to: number;
  readonly windowSeconds: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const client = new ApplianceClient({ site: args.url, credentials: { kind: 'oauth', clientId: args.clientId, clientSecret: args.clientSecret }, rateLimit: 200 });
const state = new SqliteStateStore(args.statePath);
const result = await pullSite({
  client, product: 'pra', sink: new ReplaceByKeySink(args.dbPath), state, target: 'child-db', parse: parseReport,
  mode: { kind: 'range', from: args.from, to: args.to }, windowSeconds: args.windowSeconds,
});
await state.close();
await client.close();
process.stdout.write(`${JSON.stringify({ windows: result.windows, sessions: result.sessions })}\n`);
