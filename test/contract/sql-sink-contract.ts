/**
 * The SQL sink contract: one suite every dialect runs against a real database. It loads through
 * `openDestination()` + `loadReport()`, the path `replay` and `bench` use.
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReport } from '../../fixtures/generator/generate-report.ts';
import { parseReport } from '../../stages/parsers/session-report-parser.ts';
import { openDestination } from '../../sinks/destinations.ts';
import type { SqlSink } from '../../sinks/sql/sql-sink.ts';
import { SessionRefusedError, ValueTooLongError } from '../../sinks/sql/sql-errors.ts';
import { loadReport, type LoadStats } from '../../src/pipeline/load-report.ts';
import type { ReportItem, SessionBundle } from '../../src/records.ts';
import { silentLogger, type BundleSink, type StageContext } from '../../src/stage.ts';
import { innerSink } from '../../src/telemetry/sink-span.ts';
import { expectedRowCounts, generatedBundles, mixedBundles } from '../helpers/sql-bundles.ts';
import { tableCounts, type SqlHarness } from '../helpers/sql-harness.ts';

export const ctx = (): StageContext => ({ signal: new AbortController().signal, logger: silentLogger });

export async function* itemsOf(bundles: readonly SessionBundle[]): AsyncGenerator<ReportItem> {
  for (const bundle of bundles) yield { type: 'session', bundle };
}

/** The SQL sink behind what openDestination returns (a TracedSink), for its schema status and row counts. */
const sqlSinkOf = (sink: BundleSink): SqlSink => innerSink(sink) as SqlSink;

export async function load(spec: string, bundles: readonly SessionBundle[], maxBatchSessions = 25): Promise<LoadStats & { sink: SqlSink }> {
  const sink = await openDestination(spec);
  const stats = await loadReport(itemsOf(bundles), sink, { ctx: ctx(), maxBatchSessions });
  return { ...stats, sink: sqlSinkOf(sink) };
}

const fixture = (path: string): string => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url));

/** Loads an XML report through the real parser. */
export async function loadXml(spec: string, chunks: AsyncIterable<Uint8Array | string>, source: string, maxBatchSessions = 25, host?: string): Promise<LoadStats & { sink: SqlSink }> {
  const sink = await openDestination(spec);
  const stats = await loadReport(parseReport(chunks, { source, ...(host === undefined ? {} : { host }) }), sink, { ctx: ctx(), maxBatchSessions });
  return { ...stats, sink: sqlSinkOf(sink) };
}

const NONE: Record<string, number> = {
  session: 0, session_event: 0, session_event_data: 0, session_event_file: 0, system_information: 0, user: 0, representative: 0,
  customer: 0, customer_info_field: 0, team: 0, custom_attribute: 0, session_recording: 0, exit_survey: 0, exit_survey_value: 0,
};

/** Rows per table each sample report gives, counted by hand from the XML. */
const FIXTURE_ROWS: readonly { readonly file: string; readonly rows: Record<string, number>; readonly parseRejected?: number; readonly host?: string }[] = [
  { file: 'peer/pra-cloud-access-session.xml', rows: { ...NONE, session: 1, session_event: 2, session_event_data: 1, user: 1, customer: 1 } },
  { file: 'peer/pra-doc-mock-full.xml', rows: NONE, parseRejected: 1 }, // its only session has no lsid
  { file: 'peer/pra-cloud-listing.xml', rows: NONE, host: 'sekoia-pra.beyondtrustcloud.com' }, // a listing carries no session data
  { file: 'peer/pra-error-auth.xml', rows: NONE },
  {
    file: 'reports/pra-access-session-prefixed.xml',
    rows: { ...NONE, session: 2, session_event: 8, session_event_data: 2, session_event_file: 2, user: 2, customer: 2, custom_attribute: 2, session_recording: 2 },
  },
  {
    // The old Bomgar namespace says nothing of the product: its representatives go to `representative`.
    file: 'reports/rs-support-session.xml',
    rows: {
      ...NONE, session: 2, session_event: 8, session_event_data: 2, system_information: 2, representative: 3, customer: 2, customer_info_field: 1,
      team: 4, custom_attribute: 1, session_recording: 1, exit_survey: 2, exit_survey_value: 3,
    },
  },
];

export function describeSqlSinkContract(name: string, makeHarness: () => SqlHarness | Promise<SqlHarness>): void {
  describe(`${name}: SQL sink contract`, () => {
    let h: SqlHarness;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.dispose();
    });

    it('creates the database and the schema on first load, and records the schema version', async () => {
      const spec = h.freshSpec();
      const sink = await openDestination(spec);
      await sink.connect(ctx());
      expect(sqlSinkOf(sink).schema).toEqual({ databaseCreated: true, applied: [1], version: 1 });
      await sink.close();
      const again = await openDestination(spec);
      await again.connect(ctx());
      expect(sqlSinkOf(again).schema?.applied).toEqual([]);
      expect(sqlSinkOf(again).schema?.databaseCreated).toBe(false);
      await again.close();
      await again.close(); // idempotent
      const versions = await h.query<{ version: number }>(spec, `SELECT ${h.quote('version')} FROM ${h.quote('schema_version')}`);
      expect(versions.map((v) => Number(v.version))).toEqual([1]);
      expect(Object.values(await tableCounts(h, spec)).every((n) => n === 0)).toBe(true);
    });

    it.each(FIXTURE_ROWS)('loads $file through the real parser with exact row counts per table, twice without change', async ({ file, rows, parseRejected, host }) => {
      const spec = h.freshSpec();
      const path = fixture(file);
      const stats = await loadXml(spec, createReadStream(path), path, 25, host);
      expect(stats.parseRejected).toHaveLength(parseRejected ?? 0);
      expect(await tableCounts(h, spec)).toEqual(rows);
      await loadXml(spec, createReadStream(path), path, 25, host);
      expect(await tableCounts(h, spec)).toEqual(rows);
    });

    it('loads a generated report through the real parser with exact row counts per table', async () => {
      const options = { seed: 'xml', sessions: 60, product: 'rs' as const, host: 'rs.example.com' };
      const spec = h.freshSpec();
      const stats = await loadXml(spec, generateReport(options), 'generated.xml', 16);
      expect(stats.written).toBe(60);
      expect(await tableCounts(h, spec)).toEqual(expectedRowCounts(generatedBundles(60, { seed: 'xml', product: 'rs', host: 'rs.example.com' })));
    });

    it('treats writeBatch([]) as a no-op', async () => {
      const spec = h.freshSpec();
      const sink = await openDestination(spec);
      await sink.connect(ctx());
      expect(await sink.writeBatch([], ctx())).toEqual({ written: 0, rejected: [] });
      await sink.close();
      expect((await tableCounts(h, spec)).session).toBe(0);
    });

    it('loads a generated RS + PRA report with exact row counts per table', async () => {
      const bundles = mixedBundles(40);
      const spec = h.freshSpec();
      const stats = await load(spec, bundles);
      expect(stats.written).toBe(40);
      expect(stats.sinkRejected).toEqual([]);
      const expected = expectedRowCounts(bundles);
      expect(await tableCounts(h, spec)).toEqual(expected);
      expect(stats.sink.stats.rows).toEqual(expected);
      // PRA representatives go to `user`, RS ones to `representative`, as the two guides define.
      expect(expected.user).toBeGreaterThan(0);
      expect(expected.representative).toBeGreaterThan(0);
    });

    it('changes nothing when the same input is loaded again (same ids, no duplicates)', async () => {
      const bundles = mixedBundles(30, 'twice');
      const spec = h.freshSpec();
      await load(spec, bundles);
      const ids = async () => h.query<{ id: number | string; lsid: string }>(spec, `SELECT id, lsid FROM ${h.quote('session')} ORDER BY id`);
      const before = await ids();
      const countsBefore = await tableCounts(h, spec);
      await load(spec, bundles, 7);
      expect(await ids()).toEqual(before);
      expect(await tableCounts(h, spec)).toEqual(countsBefore);
      expect(countsBefore).toEqual(expectedRowCounts(bundles));
    });

    it('stores a session seen in progress and later closed once, closed, with all its events', async () => {
      const closed = generatedBundles(12, { seed: 'progress' });
      const inProgress = generatedBundles(12, { seed: 'progress', inProgressAfterSeconds: 30 });
      expect(inProgress.every((b) => b.session.endTime === null)).toBe(true);
      expect(inProgress.reduce((n, b) => n + b.events.length, 0)).toBeLessThan(closed.reduce((n, b) => n + b.events.length, 0));
      const spec = h.freshSpec();
      await load(spec, inProgress);
      const idsBefore = await h.query<{ id: number | string }>(spec, `SELECT id FROM ${h.quote('session')} ORDER BY lsid`);
      await load(spec, closed);
      expect(await tableCounts(h, spec)).toEqual(expectedRowCounts(closed));
      const rows = await h.query<{ id: number | string; end_time: unknown }>(spec, `SELECT id, end_time FROM ${h.quote('session')} ORDER BY lsid`);
      expect(rows.map((r) => r.id)).toEqual(idsBefore.map((r) => r.id));
      expect(rows.every((r) => r.end_time !== null)).toBe(true);
      const ends = await h.query<{ n: number | string }>(spec, `SELECT count(*) AS n FROM ${h.quote('session_event')} WHERE ${h.quote('type')} = 'Session End'`);
      expect(Number(ends[0]?.n)).toBe(12);
    });

    it('keeps a later copy of a session over an earlier one within one input', async () => {
      const closed = generatedBundles(3, { seed: 'dup' });
      const inProgress = generatedBundles(3, { seed: 'dup', inProgressAfterSeconds: 20 });
      const spec = h.freshSpec();
      await load(spec, [...inProgress, ...closed], 100); // both copies in one batch
      expect(await tableCounts(h, spec)).toEqual(expectedRowCounts(closed));
      await load(spec, [...closed, ...inProgress.map((b) => b)], 2); // copies in different batches: the later (in-progress) wins
      expect(await tableCounts(h, spec)).toEqual(expectedRowCounts(inProgress));
    });

    it('maps every field of a session and its children to the guide\'s columns', async () => {
      const bundle = generatedBundles(40, { seed: 'map', product: 'rs' }).find((b) => b.surveys.length > 0 && b.systemInformation.length > 0 && b.customAttributes.length > 0);
      if (bundle === undefined) throw new Error('the seed gives no session with surveys, system information and custom attributes');
      const spec = h.freshSpec();
      await load(spec, [bundle]);
      const q = h.quote;
      const [session] = await h.query<Record<string, unknown>>(spec, `SELECT * FROM ${q('session')}`);
      const s = bundle.session;
      expect(session).toMatchObject({
        lsid: s.key.lsid, host_name: s.key.host, type: s.sessionType, duration: s.duration, external_key: s.externalKey,
        public_site_name: s.publicSiteName, product: 'rs', primary_rep_name: s.primaryRepName, session_chat_download_url: s.chatDownloadUrl,
      });
      expect(Number(session?.file_transfers)).toBe(s.fileTransferCount);
      expect(Number(session?.lseq)).toBe(s.lseq);
      expect(new Date(String(session?.start_time instanceof Date ? session.start_time.toISOString() : session?.start_time)).toISOString()).toBe(new Date(s.startTime ?? '').toISOString());
      const events = await h.query<Record<string, unknown>>(spec, `SELECT * FROM ${q('session_event')} ORDER BY seq`);
      expect(events.map((e) => e.type)).toEqual(bundle.events.map((e) => e.type));
      expect(events.map((e) => e.performed_by ?? null)).toEqual(bundle.events.map((e) => e.performedBy?.name ?? null));
      expect(events.map((e) => e.body ?? null)).toEqual(bundle.events.map((e) => e.body));
      const reps = await h.query<Record<string, unknown>>(spec, `SELECT * FROM ${q('representative')} ORDER BY seq`);
      expect(reps.map((r) => [r.gs_number, r.user_name, r.private_display_name, Number(r.is_owner), Number(r.is_primary), Number(r.duration)]))
        .toEqual(bundle.users.map((u) => [u.gsnumber, u.username, u.privateDisplayName, u.sessionOwner ? 1 : 0, u.primaryRep ? 1 : 0, u.secondsInvolved]));
      const [customer] = await h.query<Record<string, unknown>>(spec, `SELECT * FROM ${q('customer')}`);
      const c = bundle.customers[0];
      expect(customer).toMatchObject({ gs_number: c?.gsnumber, issue: c?.info?.issue, issue_description: c?.info?.details, display_name: c?.info?.name, company_name: c?.info?.company, operating_system: c?.os });
      const info = await h.query<{ category: string; information: string }>(spec, `SELECT category, information FROM ${q('system_information')} ORDER BY id`);
      expect(info.map((i) => i.category)).toEqual(bundle.systemInformation.map((i) => i.category));
      const firstRow = bundle.systemInformation[0]?.rows[0]?.[0];
      expect(info[0]?.information).toContain(`<description><field name="${bundle.systemInformation[0]?.description[0]?.name}">`);
      if (firstRow !== undefined) expect(info[0]?.information).toContain(`<row><field name="${firstRow.name}">`);
      const surveyValues = await h.query<{ name: string }>(spec, `SELECT name FROM ${q('exit_survey_value')} ORDER BY id`);
      expect(surveyValues.map((v) => v.name)).toEqual(bundle.surveys.flatMap((sv) => sv.values.map((v) => v.name)));
      const eventData = await h.query<{ session_event_id: number | string; name: string }>(spec,
        `SELECT d.session_event_id, d.name FROM ${q('session_event_data')} d JOIN ${q('session_event')} e ON e.id = d.session_event_id ORDER BY e.seq, d.seq`);
      expect(eventData.map((d) => d.name)).toEqual(bundle.events.flatMap((e) => e.data.map((d) => d.name)));
    });

    it('honours storeSystemInformation=false (the guide\'s "Should Store System Information")', async () => {
      const bundles = generatedBundles(15, { seed: 'nosysinfo' });
      expect(bundles.some((b) => b.systemInformation.length > 0)).toBe(true);
      const spec = h.freshSpec('storeSystemInformation=false');
      await load(spec, bundles);
      expect(await tableCounts(h, spec)).toEqual(expectedRowCounts(bundles, { storeSystemInformation: false }));
    });

    it('rejects a session with a value too long for its column, names it, keeps it, and loads the rest of the batch', async () => {
      const bundles = generatedBundles(10, { seed: 'long' });
      const victim = bundles[4] as SessionBundle;
      const tooLong = 'x'.repeat(300);
      bundles[4] = { ...victim, users: victim.users.map((u, i) => (i === 0 ? { ...u, os: tooLong } : u)) };
      const spec = h.freshSpec();
      const stats = await load(spec, bundles, 10);
      expect(stats.written).toBe(9);
      expect(stats.sinkRejected).toHaveLength(1);
      const error = stats.sinkRejected[0]?.error;
      expect(error).toBeInstanceOf(ValueTooLongError);
      expect(error?.message).toContain('user.operating_system');
      expect(error?.message).toContain(victim.session.key.lsid);
      expect(error?.message).toContain('300 characters');
      expect(error?.message).toContain('rejected_session');
      expect(await tableCounts(h, spec)).toEqual(expectedRowCounts(bundles.filter((b) => b !== bundles[4])));
      const kept = await h.query<{ lsid: string; table_name: string; column_name: string; bundle: string }>(spec, `SELECT lsid, table_name, column_name, bundle FROM ${h.quote('rejected_session')}`);
      expect(kept.map((k) => [k.lsid, k.table_name, k.column_name])).toEqual([[victim.session.key.lsid, 'user', 'operating_system']]);
      expect((JSON.parse(kept[0]?.bundle ?? '{}') as SessionBundle).users[0]?.os).toBe(tooLong);
    });

    it('bisects a batch the database refuses and loads every other session', async () => {
      const bundles = generatedBundles(9, { seed: 'bisect' });
      const victim = bundles[6] as SessionBundle;
      // Two events with the same seq break the natural key (session_id, seq): only the database sees it.
      bundles[6] = { ...victim, events: victim.events.map((e, i) => (i === 1 ? { ...e, seq: 0 } : e)), systemInformation: [] };
      const spec = h.freshSpec();
      const stats = await load(spec, bundles, 9);
      expect(stats.written).toBe(8);
      expect(stats.sinkRejected).toHaveLength(1);
      const error = stats.sinkRejected[0]?.error as SessionRefusedError;
      expect(error).toBeInstanceOf(SessionRefusedError);
      expect(error.message).toContain(victim.session.key.lsid);
      expect(error.message).toContain('session_event');
      expect(error.message).toContain('rejected_session');
      expect(await tableCounts(h, spec)).toEqual(expectedRowCounts(bundles.filter((_, i) => i !== 6)));
      const kept = await h.query<{ lsid: string }>(spec, `SELECT lsid FROM ${h.quote('rejected_session')}`);
      expect(kept.map((k) => k.lsid)).toEqual([victim.session.key.lsid]);
    });

    it('leaves no partial batch when aborted mid-write', async () => {
      const bundles = generatedBundles(30, { seed: 'abort' });
      const spec = h.freshSpec();
      const sink = await openDestination(spec);
      await sink.connect(ctx());
      await sink.writeBatch(bundles.slice(0, 10), ctx());
      const writing = sink.writeBatch(bundles.slice(10), ctx()).then(() => 'written', () => 'failed');
      await sink.abort(new Error('stop'));
      await writing;
      const counts = await tableCounts(h, spec);
      // Either the whole second batch committed before the abort or none of it did.
      const candidates = [expectedRowCounts(bundles.slice(0, 10)), expectedRowCounts(bundles)];
      expect(candidates).toContainEqual(counts);
    });
  });
}
