/**
 * The session splitter cuts a report into its sessions without parsing: each piece, put after the
 * report's prolog and before its closing root tag, must parse into exactly the sessions the whole
 * report does, however the bytes arrive; anything but sessions must stop it (the caller then loads
 * the report with one parser).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reportFooter, reportHeader, sessionXml } from '../../../fixtures/generator/report-xml.ts';
import { sessionBundles } from '../../helpers/session-bundles.ts';
import { NotSplittableError, SessionSplitter } from '../../../src/pipeline/session-splitter.ts';
import { parseReport } from '../../../stages/parsers/session-report-parser.ts';
import type { ReportItem } from '../../../src/records.ts';

interface Split {
  readonly prolog: string;
  readonly epilogue: string;
  readonly sessions: { readonly lsid: string; readonly xml: string }[];
}

function split(bytes: Buffer, chunkBytes = bytes.length): Split {
  const sessions: { lsid: string; xml: string }[] = [];
  const splitter = new SessionSplitter((lsid, session) => sessions.push({ lsid, xml: session.toString('utf8') }));
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    // A chunk the caller reuses: the splitter must copy what it keeps.
    const chunk = Buffer.from(bytes.subarray(at, at + chunkBytes));
    splitter.push(chunk);
    chunk.fill(0);
  }
  splitter.end();
  return { prolog: splitter.prolog?.toString('utf8') ?? '', epilogue: splitter.epilogue.toString('utf8'), sessions };
}

async function parsedSessions(xml: string): Promise<string[]> {
  const items: ReportItem[] = [];
  for await (const item of parseReport((async function* () { yield Buffer.from(xml); })(), { source: 'test.xml', host: 'support.example.com' })) items.push(item);
  return items.map((item) => (item.type === 'session' ? JSON.stringify({ ...item.bundle, origin: undefined, xmlBytes: undefined }) : item.type));
}

const report = (body: string, product: 'pra' | 'rs' = 'pra') => Buffer.from(reportHeader(product) + body + reportFooter());
const generated = (count: number) => report(sessionBundles(count, { seed: 'split' }).map((bundle) => sessionXml(bundle, { product: 'pra' })).join(''));

describe('SessionSplitter', () => {
  it('cuts a report into its sessions, which parse into exactly what the whole report gives', async () => {
    const bytes = generated(12);
    const pieces = split(bytes);
    expect(pieces.sessions).toHaveLength(12);
    expect(pieces.prolog).toMatch(/^<\?xml[^>]*\?>\s*<session_list[^>]*>$/);
    expect(pieces.epilogue).toBe('</session_list>');
    const whole = await parsedSessions(bytes.toString('utf8'));
    const rebuilt = await parsedSessions(pieces.prolog + pieces.sessions.map((s) => s.xml).join('') + pieces.epilogue);
    expect(rebuilt).toEqual(whole);
    expect(pieces.sessions.map((s) => s.lsid)).toEqual(whole.map((json) => (JSON.parse(json) as { session: { key: { lsid: string } } }).session.key.lsid));
  });

  it('gives the same pieces however the bytes are chunked', () => {
    const bytes = generated(3);
    const whole = split(bytes);
    for (const size of [1, 2, 7, 64, 1000, 4096]) expect(split(bytes, size)).toEqual(whole);
  });

  it('keeps a </session> inside a CDATA section or a comment within its session', () => {
    const body = '<session lsid="a1"><session_type>support</session_type><!-- not the end: </session> --><external_key><![CDATA[</session><session lsid="x">]]></external_key></session>'
      + '<session lsid="b2"><session_type>support</session_type></session>';
    for (const size of [1, 5, 1000]) {
      const pieces = split(report(body), size);
      expect(pieces.sessions.map((s) => s.lsid)).toEqual(['a1', 'b2']);
      expect(pieces.sessions[0]?.xml).toContain('<![CDATA[</session><session lsid="x">]]>');
    }
  });

  it('follows a namespace prefix on the root, and takes self-closed sessions and single-quoted lsids', () => {
    const xml = `<?xml version="1.0"?>\n<!-- saved by hand -->\n<r:session_list xmlns:r="http://www.beyondtrust.com/sra/namespaces/API/reporting">\n<r:session lsid='q1'><r:lseq>1</r:lseq></r:session>\n<r:session lsid="q2"/>\n</r:session_list>\n<!-- end -->\n`;
    const pieces = split(Buffer.from(xml), 3);
    expect(pieces.sessions).toEqual([{ lsid: 'q1', xml: "<r:session lsid='q1'><r:lseq>1</r:lseq></r:session>" }, { lsid: 'q2', xml: '<r:session lsid="q2"/>' }]);
    expect(pieces.epilogue).toBe('</r:session_list>');
  });

  it('splits the real access-session report of the peer fixtures', () => {
    const pieces = split(readFileSync(new URL('../../../fixtures/peer/pra-cloud-access-session.xml', import.meta.url)), 100);
    expect(pieces.sessions.map((s) => s.lsid)).toEqual(['e9e99aeb9ad54fb381634498502c5a1b']);
  });

  const refusals: [string, string | Buffer, RegExp][] = [
    ['a listing', readFileSync(new URL('../../../fixtures/peer/pra-cloud-listing.xml', import.meta.url)), /root element is <session_summary_list>/],
    ['an appliance error', readFileSync(new URL('../../../fixtures/peer/pra-error-auth.xml', import.meta.url)), /root element is <error>/],
    ['a DOCTYPE', readFileSync(new URL('../../../fixtures/bad/doctype-external-entity.xml', import.meta.url)), /DOCTYPE/],
    ['a session without lsid', readFileSync(new URL('../../../fixtures/bad/session-without-lsid.xml', import.meta.url)), /session without an lsid/],
    ['a truncated report', readFileSync(new URL('../../../fixtures/bad/truncated.xml', import.meta.url)), /ends at byte \d+ before <\/session_list>/],
    ['an empty report', '<session_list/>', /holds no sessions/],
    ['a listing row among the sessions', report('<session lsid="a"></session><session_summary lsid="b"/>'), /<session_summary> among the sessions at byte \d+/],
    ['a comment between sessions', report('<session lsid="a"></session><!-- x --><session lsid="b"></session>'), /<!--> among the sessions at byte \d+/],
    ['text between sessions', report('<session lsid="a"></session>oops<session lsid="b"></session>'), /text between sessions at byte \d+/],
    ['content after the root', `${report('<session lsid="a"></session>').toString()}<session_list>`, /content after <\/session_list>/],
  ];
  for (const [what, input, message] of refusals) {
    it(`refuses ${what}, so that one parser reports it exactly`, () => {
      const bytes = typeof input === 'string' ? Buffer.from(input) : input;
      expect(() => split(bytes, 16)).toThrow(NotSplittableError);
      expect(() => split(bytes)).toThrow(message);
    });
  }
});
