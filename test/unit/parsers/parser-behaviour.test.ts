/**
 * The parser's rules, one at a time: namespaces, faithful values, unknown elements, the site-host
 * rule, raw XML capture, appliance errors and where damage stops the document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.ts';
import type { ReportItem, SessionBundle } from '../../../src/records.ts';
import { bundles, chunked, collect, comparable } from '../../helpers/report-items.ts';

const FIXTURES = join(import.meta.dirname, '../../../fixtures');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

const PRA_NS = 'http://www.beyondtrust.com/sra/namespaces/API/reporting';
const BOMGAR_NS = 'http://www.bomgar.com/namespaces/API/reporting';
const URL_OF = (host: string, lsid: string) => `<session_chat_download_url>https://${host}/session_download?lsid=${lsid}&amp;dl_action=chat</session_chat_download_url>`;

function session(lsid: string, inner = ''): string {
  return `<session lsid="${lsid}"><session_type>support</session_type>${inner}<session_details></session_details></session>`;
}

function list(body: string, attributes = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<session_list${attributes}>\n${body}\n</session_list>\n`;
}

async function onlyBundle(xml: string, options: { host?: string } = { host: 'h.example' }): Promise<SessionBundle> {
  const { items, error } = await collect([xml], { source: 't.xml', ...options });
  expect(error).toBeUndefined();
  const found = bundles(items);
  expect(found).toHaveLength(1);
  return found[0] as SessionBundle;
}

describe('namespaces', () => {
  it('gives the same records with the sra namespace, the Bomgar namespace, a prefix, or none', async () => {
    const body = (p: string) => `<${p}session lsid="x1"><${p}lseq>5</${p}lseq><${p}session_details><${p}event timestamp="1733239565" event_type="Session Start"></${p}event></${p}session_details></${p}session>`;
    const variants = [
      list(body(''), ` xmlns="${PRA_NS}"`),
      list(body(''), ` xmlns="${BOMGAR_NS}"`),
      list(body('')),
      `<sra:session_list xmlns:sra="${PRA_NS}">${body('sra:')}</sra:session_list>`,
    ];
    const results = [];
    for (const xml of variants) {
      const bundle = await onlyBundle(xml);
      results.push(comparable({ ...bundle, session: { ...bundle.session, product: null } }));
    }
    expect(results[0]?.session.lseq).toBe(5);
    expect(results[0]?.events).toHaveLength(1);
    for (const result of results) expect(result).toEqual(results[0]);
  });

  it('infers PRA from the sra namespace (prefixed or not) and leaves the product unknown otherwise', async () => {
    expect((await onlyBundle(list(session('a'), ` xmlns="${PRA_NS}"`))).session.product).toBe('pra');
    expect((await onlyBundle(`<sra:session_list xmlns:sra="${PRA_NS}">${session('a').replace(/<(\/?)/g, '<$1sra:')}</sra:session_list>`)).session.product).toBe('pra');
    expect((await onlyBundle(list(session('a'), ` xmlns="${BOMGAR_NS}"`))).session.product).toBeNull();
    const { items } = await collect([list(session('a'), ` xmlns="${PRA_NS}"`)], { source: 't', host: 'h', product: 'rs' });
    expect(bundles(items)[0]?.session.product).toBe('rs');
  });
});

describe('values are kept faithfully', () => {
  it('keeps Unknown, IPs with ports, empty elements as empty strings and absent ones as null', async () => {
    const bundle = await onlyBundle(list(session('a', `<external_key></external_key><rep_list><representative gsnumber="1" id="2">
      <public_ip>[2a01:e34::1]:56722</public_ip><private_ip>Unknown</private_ip><os></os></representative></rep_list>`)));
    expect(bundle.session.externalKey).toBe('');
    expect(bundle.session.jumpGroupName).toBeNull();
    expect(bundle.users[0]).toMatchObject({ publicIp: '[2a01:e34::1]:56722', privateIp: 'Unknown', os: '', hostname: null, userId: 2, gsnumber: '1' });
  });

  it('reads times from @timestamp (UNIX seconds) or ISO text, and an empty end_time as in progress', async () => {
    const bundle = await onlyBundle(list(`<session lsid="a"><start_time>2024-12-03T17:26:05+02:00</start_time><end_time></end_time>
      <session_details><event timestamp="2024-04-04T13:30:00Z" event_type="x"></event><event timestamp="1733239565" event_type="y"></event></session_details></session>`));
    expect(bundle.session.startTime).toBe('2024-12-03T15:26:05Z');
    expect(bundle.session.endTime).toBeNull();
    expect(bundle.events.map((event) => event.time)).toEqual(['2024-04-04T13:30:00Z', '2024-12-03T15:26:05Z']);
  });

  it('keeps numbers and times it cannot read in extra instead of dropping them', async () => {
    const bundle = await onlyBundle(list(`<session lsid="a"><lseq>n/a</lseq><start_time timestamp="soon">later</start_time>
      <session_details><event timestamp="never" event_type="x"><filesize>12 KB</filesize></event></session_details></session>`));
    expect(bundle.session.lseq).toBeNull();
    expect(bundle.session.startTime).toBeNull();
    expect(bundle.session.extra).toEqual([{ path: 'lseq', value: 'n/a' }, { path: 'start_time@timestamp', value: 'soon' }, { path: 'start_time', value: 'later' }]);
    expect(bundle.events[0]?.extra).toEqual([{ path: '@timestamp', value: 'never' }, { path: 'filesize', value: '12 KB' }]);
    expect(bundle.unknownElements).toBe(5);
  });

  it('decodes encoded_body from base64 as UTF-8, and keeps text that is not base64', async () => {
    const encoded = Buffer.from('Done ✅\u0001', 'utf8').toString('base64');
    const bundle = await onlyBundle(list(session('a').replace('<session_details></session_details>', `<session_details><event event_type="c"><encoded_body>${encoded}</encoded_body></event><event event_type="d"><encoded_body>not base64!</encoded_body></event></session_details>`)));
    expect(bundle.events[0]?.encodedBody).toBe('Done ✅\u0001');
    expect(bundle.events[1]?.encodedBody).toBeNull();
    expect(bundle.events[1]?.extra).toEqual([{ path: 'encoded_body', value: 'not base64!' }]);
  });
});

describe('unknown elements are kept on the nearest record and counted', () => {
  it('keeps leaves, nested elements, attributes and unknown attributes of known elements', async () => {
    const bundle = await onlyBundle(list(`<session lsid="a" region="eu"><jumpoint id="3" zone="z1">J</jumpoint>
      <approval><ticket>CHG1</ticket><approver role="manager">Ada</approver><empty/></approval>
      <customer_list><customer gsnumber="5"><username>u</username><favourite_colour>blue</favourite_colour>
        <info><name>N</name><asset_tag>AT-1</asset_tag><nested><deep>x</deep></nested></info></customer></customer_list>
      <session_details><event timestamp="1" event_type="e" level="3"><data><value name="k" value="v"/><note>n</note></data>
        <system_information><category name="C" order="1"><description><field name="a">A</field></description><widget>w</widget></category></system_information>
      </event></session_details></session>`));
    expect(bundle.session.extra).toEqual([
      { path: '@region', value: 'eu' },
      { path: 'jumpoint@zone', value: 'z1' },
      { path: 'approval/ticket', value: 'CHG1' },
      { path: 'approval/approver@role', value: 'manager' },
      { path: 'approval/approver', value: 'Ada' },
      { path: 'approval/empty', value: '' },
    ]);
    expect(bundle.session.jumpointId).toBe(3);
    expect(bundle.customers[0]?.extra).toEqual([{ path: 'favourite_colour', value: 'blue' }, { path: 'info/nested/deep', value: 'x' }]);
    expect(bundle.customers[0]?.info?.fields).toEqual([{ name: 'asset_tag', value: 'AT-1' }]);
    expect(bundle.events[0]?.extra).toEqual([{ path: '@level', value: '3' }, { path: 'data/note', value: 'n' }]);
    expect(bundle.systemInformation[0]?.extra).toEqual([{ path: '@order', value: '1' }, { path: 'widget', value: 'w' }]);
    expect(bundle.unknownElements).toBe(6 + 2 + 2 + 2);
  });

  it('keeps an unknown element between sessions with the next session, under its absolute path', async () => {
    const { items } = await collect([list(`${session('a', URL_OF('h.example', 'a'))}<report_note kind="x">hello</report_note>${session('b')}`)], { source: 't' });
    const [, second] = bundles(items);
    expect(second?.session.extra).toEqual([{ path: '/session_list/report_note@kind', value: 'x' }, { path: '/session_list/report_note', value: 'hello' }]);
  });

  it('reports an unknown element after the last session as a rejected item instead of losing it', async () => {
    const { items, error } = await collect([list(`${session('a')}<trailer>t</trailer>`)], { source: 't.xml', host: 'h' });
    expect(error).toBeUndefined();
    const rejected = items.filter((item) => item.type === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.type === 'rejected' && rejected[0].error.message).toMatch(/^t\.xml:\d+: unknown element\(s\) \/session_list\/trailer after the last session/);
  });
});

describe('RS team shapes (unverified): every spelling is accepted', () => {
  it('reads id, name and primary flag from attributes, child elements or text', async () => {
    const bundle = await onlyBundle(list(session('a', `<team_list>
      <team id="3" primary="1">Tier 1</team>
      <team team_id="4" name="Tier 2" primary_team="0"/>
      <team id="5" is_primary="true"><name>Tier 3</name></team>
      <team><id>6</id><name>Tier 4</name><primary>1</primary></team>
      <team><team_id>7</team_id><name>Tier 5</name><is_primary>0</is_primary></team>
    </team_list>`)));
    expect(bundle.teams.map((team) => [team.seq, team.teamId, team.name, team.isPrimary])).toEqual([
      [0, 3, 'Tier 1', true], [1, 4, 'Tier 2', false], [2, 5, 'Tier 3', true], [3, 6, 'Tier 4', true], [4, 7, 'Tier 5', false],
    ]);
    expect(bundle.unknownElements).toBe(0);
  });
});

describe('the site host', () => {
  const reportOf = (...sessions: string[]) => [list(sessions.join('\n'))];

  it('is --host when given, lower-cased, whatever the URLs say', async () => {
    const { items } = await collect(reportOf(session('a', URL_OF('other.example', 'a'))), { source: 't', host: 'Support.Example.com' });
    expect(bundles(items)[0]?.session.key.host).toBe('support.example.com');
    for (const record of bundles(items)) expect(record.events.every((event) => event.key === record.session.key)).toBe(true);
  });

  it('comes from each session\'s own URLs, else the session before it, else the next one', async () => {
    const { items, error } = await collect(reportOf(
      session('a'), // no URL yet: waits for the next session that has one
      session('b', URL_OF('ONE.example', 'b')),
      session('c'), // in progress: takes the host of the session before it
      session('d', URL_OF('two.example', 'd')),
      session('e'),
    ), { source: 't' });
    expect(error).toBeUndefined();
    expect(bundles(items).map((bundle) => [bundle.session.key.lsid, bundle.session.key.host])).toEqual([
      ['a', 'one.example'], ['b', 'one.example'], ['c', 'one.example'], ['d', 'two.example'], ['e', 'two.example'],
    ]);
  });

  it('takes the host of the session before the document when the caller passes it (replay: the previous file)', async () => {
    const { items, error } = await collect(reportOf(session('a'), session('b', URL_OF('next.example', 'b'))), { source: 't', precedingHost: 'Before.example' });
    expect(error).toBeUndefined();
    expect(bundles(items).map((bundle) => bundle.session.key.host)).toEqual(['before.example', 'next.example']);
  });

  it('stops with host_unknown, naming the session and --host, when no session has a URL', async () => {
    const { items, error } = await collect(reportOf(session('a'), session('b')), { source: 'r.xml' });
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).code).toBe('host_unknown');
    expect((error as ParseError).message).toMatch(/^r\.xml:3:1: session a has no download URL .*pass --host <site hostname>/);
  });

  it('waits for a host only so long: past the limit it stops instead of buffering the report', async () => {
    const sessions = Array.from({ length: 8 }, (_, index) => session(`s${index}`));
    const { items, error } = await collect(reportOf(...sessions, session('z', URL_OF('late.example', 'z'))), { source: 'r.xml', hostLimits: { maxItems: 5, maxBytes: 1e9 } });
    expect(items).toEqual([]);
    expect((error as ParseError).code).toBe('host_unknown');
    expect((error as ParseError).message).toContain('nor does any of the 5 items after it');
  });

  it('is needed for a listing, which names no site', async () => {
    const listing = fixture('peer/pra-cloud-listing.xml');
    const without = await collect([listing], { source: 'l.xml' });
    expect((without.error as ParseError).code).toBe('host_unknown');
    expect((without.error as ParseError).message).toContain('a listing names no site host; pass --host');
    const withHost = await collect([listing], { source: 'l.xml', host: 'pra.example' });
    expect(withHost.items.map((item) => item.type === 'summary' && [item.summary.key, item.summary.hasRecording, item.summary.externalKey])).toEqual([
      [{ host: 'pra.example', lsid: 'e9e99aeb9ad54fb381634498502c5a1b' }, false, null],
      [{ host: 'pra.example', lsid: '219ca41dc71940a5a69687b49736d97b' }, false, null],
    ]);
  });
});

describe('listing rows', () => {
  it('read lsid, has_recording and the optional external_key attribute; other attributes go to extra', async () => {
    const { items } = await collect([fixture('reports/rs-listing.xml')], { source: 'l.xml', host: 'h' });
    expect(items.map((item) => item.type === 'summary' && { ...item.summary, key: item.summary.key.lsid })).toEqual([
      { kind: 'session_summary', key: '3f1c0b8e2d6a4c59a1e7b0d4c8f29e61', hasRecording: true, externalKey: 'INC0042424', extra: [] },
      { kind: 'session_summary', key: '8a2d5e9f0b1c4d7e8f9a0b1c2d3e4f50', hasRecording: false, externalKey: null, extra: [] },
      { kind: 'session_summary', key: '5b6c7d8e9f0a1b2c3d4e5f60718293a4', hasRecording: false, externalKey: null, extra: [{ path: '@region', value: 'emea' }] },
    ]);
  });
});

describe('appliance <error> documents', () => {
  const errorsOf = (items: readonly ReportItem[]) => items.flatMap((item) => (item.type === 'error' ? [item.error] : []));

  it('become report_error items with code and text, as root or inside a list, never a crash', async () => {
    const root = await collect([fixture('peer/pra-error-auth.xml')], { source: 'e.xml' });
    expect(root.error).toBeUndefined();
    expect(errorsOf(root.items)).toEqual([{ kind: 'report_error', code: 'authentication_failed', message: 'Authentication failed. Please check your credentials.', origin: { source: 'e.xml', line: 2, index: 0 } }]);
    const inList = await collect([fixture('reports/error-in-list-localized.xml')], { source: 'f.xml' });
    expect(errorsOf(inList.items)).toMatchObject([{ code: null, message: 'Aucune information de rapport d’assistance correspondant à vos critères n’est disponible.' }]);
    const spaced = await collect(['<error >No Support report information matching your chosen criteria is available.</error>'], { source: 'g.xml' });
    expect(errorsOf(spaced.items)).toMatchObject([{ code: null, message: 'No Support report information matching your chosen criteria is available.' }]);
  });

  it('keep their place among the sessions of a list', async () => {
    const { items } = await collect([list(`${session('a')}<error code="partial">Some sessions were skipped</error>${session('b')}`)], { source: 't', host: 'h' });
    expect(items.map((item) => item.type)).toEqual(['session', 'error', 'session']);
  });
});

describe('sessions without an lsid', () => {
  it('are rejected with file:line:column and the rest of the file still loads', async () => {
    const { items, error } = await collect([fixture('bad/session-without-lsid.xml')], { source: 'bad/session-without-lsid.xml', host: 'h' });
    expect(error).toBeUndefined();
    expect(items.map((item) => item.type)).toEqual(['session', 'rejected', 'session']);
    const rejected = items[1] as Extract<ReportItem, { type: 'rejected' }>;
    expect(rejected.error.code).toBe('session_invalid');
    expect(rejected.error.message).toBe('bad/session-without-lsid.xml:10:1: session 2 of this file has no lsid attribute, so it has no key to be stored under: skipped (the other sessions still load)');
    expect(rejected.origin).toEqual({ source: 'bad/session-without-lsid.xml', line: 10, index: 1 });
  });

  it('the doc mock\'s session is rejected with a clear error and nothing is thrown', async () => {
    const { items, error } = await collect([fixture('peer/pra-doc-mock-full.xml')], { source: 'pra-doc-mock-full.xml' });
    expect(error).toBeUndefined();
    expect(items).toHaveLength(1);
    expect(items[0]?.type === 'rejected' && items[0].error.message).toBe('pra-doc-mock-full.xml:3:5: session 1 of this file has no lsid attribute, so it has no key to be stored under: skipped (the other sessions still load)');
  });
});

describe('damage', () => {
  it('a session closed by a wrong end tag is not emitted: only complete sessions before the damage are', async () => {
    const { items, error } = await collect([list(`${session('a')}<session lsid="b"><lseq>1</lseq></session_list>`)], { source: 't.xml', host: 'h' });
    expect(bundles(items).map((bundle) => bundle.session.key.lsid)).toEqual(['a']);
    expect((error as ParseError).code).toBe('xml_malformed');
    const closedWrong = await collect([list(`${session('a')}<session lsid="b"><lseq>1</lseq></sessionx>`)], { source: 't.xml', host: 'h' });
    expect(bundles(closedWrong.items).map((bundle) => bundle.session.key.lsid)).toEqual(['a']);
  });

  it('duplicate attributes are malformed XML', async () => {
    const { error } = await collect([list('<session lsid="a" lsid="b"></session>')], { source: 't.xml', host: 'h' });
    expect((error as ParseError).message).toMatch(/^t\.xml:3:\d+: malformed XML: duplicate attribute: lsid$/);
  });

  it('text after the root, a second root, and a declared non-UTF-8 encoding are refused with one line', async () => {
    const cases: [string, string][] = [
      [list(session('a')) + 'trailing', 'text after the end of the root element'],
      [list(session('a')) + '<session_list></session_list>', 'a second root element'],
    ];
    for (const [xml, says] of cases) {
      const { error } = await collect([xml], { source: 't.xml', host: 'h' });
      expect((error as ParseError).message, says).toContain(says);
    }
    const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><session_list></session_list>', 'latin1');
    const { error } = await collect([latin1], { source: 't.xml', host: 'h' });
    expect((error as ParseError).message).toContain('declares encoding="ISO-8859-1"');
  });

  it('a byte source that fails is passed on as it is (not dressed up as XML damage)', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(list(session('a')).slice(0, 120));
      throw new Error('EIO: disk read failed');
    }
    const { error } = await collect(failing(), { source: 't.xml', host: 'h' });
    expect((error as Error).message).toBe('EIO: disk read failed');
  });
});

describe('captureRawXml', () => {
  it('keeps each session exactly as sent, wrapped in the declaration and the list root with its namespaces', async () => {
    const source = fixture('reports/pra-access-session-prefixed.xml').toString('utf8');
    const { items } = await collect(chunked(Buffer.from(source), 97), { source: 'p.xml', captureRawXml: true });
    const found = bundles(items);
    expect(found).toHaveLength(2);
    const head = source.slice(0, source.indexOf('>', source.indexOf('<sra:session_list')) + 1);
    expect(head.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    for (const bundle of found) {
      const start = source.indexOf(`<sra:session lsid="${bundle.session.key.lsid}"`);
      const end = source.indexOf('</sra:session>', start) + '</sra:session>'.length;
      expect(bundle.rawXml).toBe(`${head}\n${source.slice(start, end)}\n</sra:session_list>\n`);
      // Each piece is a report of its own that parses back to the same session.
      const again = await collect([bundle.rawXml as string], { source: 'again', host: bundle.session.key.host });
      expect(bundles(again.items).map(comparable)).toEqual([comparable(bundle)]);
    }
  });

  it('is absent when not asked for', async () => {
    const bundle = await onlyBundle(list(session('a')));
    expect('rawXml' in bundle).toBe(false);
  });
});

describe('origin and size', () => {
  it('points at the session start tag and estimates its XML size', async () => {
    const xml = list(`${session('a')}\n${session('b', '<lseq>2</lseq>')}`);
    const { items } = await collect([xml], { source: 'o.xml', host: 'h' });
    const [a, b] = bundles(items);
    expect(a?.origin).toEqual({ source: 'o.xml', line: 3, index: 0 });
    expect(b?.origin).toEqual({ source: 'o.xml', line: 4, index: 1 });
    expect(a?.xmlBytes).toBe(session('a').length);
    expect(b?.xmlBytes).toBe(session('b', '<lseq>2</lseq>').length);
  });
});
