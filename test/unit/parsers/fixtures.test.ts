/**
 * Every XML file in fixtures/ and in the shared peer-fixtures folder replays with exactly the
 * expected records per kind, and every bad input fails with its code and a `file:line:column`
 * message after the complete sessions before the damage. A fixture without an expectation here
 * fails the suite, so new samples cannot go untested.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.ts';
import { collect, countKinds, type KindCounts } from '../../helpers/report-items.ts';

const ROOT = join(import.meta.dirname, '../../..');
const FIXTURES = join(ROOT, 'fixtures');
const SHARED_PEER = join(ROOT, '../shared/reference/peer-fixtures');
const HOST = 'support.example.com';

interface Expectation {
  /** `--host`; when absent the host must come from the report itself. */
  readonly host?: string;
  readonly counts: KindCounts;
  /** The ParseError code that ends the document, if it is damaged. */
  readonly error?: ParseError['code'];
  /** Where the damage is: `line:column`. */
  readonly at?: string;
  /** Text the error message must contain. */
  readonly says?: string;
  /** Host every session key must have. */
  readonly keyHost?: string;
}

const EXPECTED: Record<string, Expectation> = {
  'peer/pra-cloud-access-session.xml': { counts: { session: 1, event: 2, user: 1, customer: 1 }, keyHost: 'sekoia-pra.beyondtrustcloud.com' },
  'peer/pra-cloud-listing.xml': { host: HOST, counts: { session_summary: 2 }, keyHost: HOST },
  'peer/pra-doc-mock-full.xml': { counts: { rejected: 1 } },
  'peer/pra-error-auth.xml': { counts: { report_error: 1 } },
  'reports/rs-support-session.xml': {
    counts: { session: 2, event: 8, system_information: 2, user: 3, customer: 2, team: 4, custom_attribute: 1, survey: 2 },
    keyHost: 'support.example.com',
  },
  'reports/pra-access-session-prefixed.xml': { counts: { session: 2, event: 8, user: 2, customer: 2, custom_attribute: 2 }, keyHost: 'pra.example.org' },
  'reports/rs-listing.xml': { host: HOST, counts: { session_summary: 3 } },
  'reports/error-in-list-localized.xml': { counts: { report_error: 1 } },
  'reports/error-root-no-data.xml': { counts: { report_error: 1 } },
  'bad/session-without-lsid.xml': { host: HOST, counts: { session: 2, event: 2, rejected: 1 } },
  'bad/malformed-mismatched-tag.xml': { host: HOST, counts: { session: 1, event: 1 }, error: 'xml_malformed', at: '10:23', says: 'mismatched end tag' },
  'bad/truncated.xml': { host: HOST, counts: { session: 1, event: 1 }, error: 'xml_truncated', says: 'truncated' },
  'bad/doctype-external-entity.xml': { host: HOST, counts: {}, error: 'xml_entity', says: 'declares entities' },
  'bad/doctype-external-dtd.xml': { host: HOST, counts: {}, error: 'xml_entity', says: 'external DTD' },
  'bad/doctype-nested-entities.xml': { host: HOST, counts: {}, error: 'xml_entity', says: 'declares entities' },
  'bad/undefined-entity.xml': { host: HOST, counts: { session: 1 }, error: 'xml_malformed', at: '4:69', says: 'undefined entity' },
  'bad/not-xml.json': { host: HOST, counts: {}, error: 'not_xml', at: '1:1', says: 'looks like JSON' },
  'bad/not-xml.html': { host: HOST, counts: {}, error: 'not_xml', says: 'web page' },
  'bad/not-xml.png': { host: HOST, counts: {}, error: 'not_xml', at: '1:1', says: 'invalid UTF-8 byte 0x89' },
  'bad/empty.xml': { host: HOST, counts: {}, error: 'not_xml', says: 'empty' },
  'bad/invalid-utf8.xml': { host: HOST, counts: { session: 1 }, error: 'xml_malformed', at: '4:66', says: 'invalid UTF-8 byte 0xe9' },
  'bad/utf16.xml': { host: HOST, counts: {}, error: 'not_xml', says: 'UTF-16' },
};

/** Every report sample: each `.xml` file under fixtures/ (the generator aside) and every bad input. */
function reportFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => !name.startsWith('generator') && (name.endsWith('.xml') || name.startsWith('bad/')) && statSync(join(dir, name)).isFile())
    .sort();
}

describe('fixtures replay with the expected records per kind', () => {
  const files = reportFiles(FIXTURES);

  it('has an expectation for every fixture file (and a file for every expectation)', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of Object.keys(EXPECTED)) {
    const expected = EXPECTED[name] as Expectation;
    it(name, async () => {
      const path = join(FIXTURES, name);
      const { items, error } = await collect(createReadStream(path), { source: name, ...(expected.host ? { host: expected.host } : {}) });
      expect(countKinds(items)).toEqual(expected.counts);
      if (expected.error === undefined) {
        expect(error).toBeUndefined();
      } else {
        expect(error).toBeInstanceOf(ParseError);
        const parseError = error as ParseError;
        expect(parseError.code).toBe(expected.error);
        // One clear line: file:line:column: what is wrong.
        expect(parseError.message).toMatch(new RegExp(`^${name.replace(/[.]/g, '\\.')}:\\d+:\\d+: \\S`));
        expect(parseError.message).not.toContain('\n');
        if (expected.at) expect(`${parseError.location.line}:${parseError.location.column}`).toBe(expected.at);
        if (expected.says) expect(parseError.message).toContain(expected.says);
      }
      if (expected.keyHost) {
        for (const item of items) {
          if (item.type === 'session') expect(item.bundle.session.key.host).toBe(expected.keyHost);
          if (item.type === 'summary') expect(item.summary.key.host).toBe(expected.keyHost);
        }
      }
    });
  }
});

describe.skipIf(!existsSync(SHARED_PEER))('shared peer fixtures', () => {
  const shared = existsSync(SHARED_PEER) ? readdirSync(SHARED_PEER).filter((name) => name.endsWith('.xml')).sort() : [];

  it('are copied byte for byte into fixtures/peer', () => {
    expect(shared.length).toBeGreaterThan(0);
    for (const name of shared) {
      expect(readFileSync(join(FIXTURES, 'peer', name)).equals(readFileSync(join(SHARED_PEER, name))), name).toBe(true);
    }
  });

  for (const name of shared) {
    it(`${name} replays from the shared folder like its copy`, async () => {
      const expected = EXPECTED[`peer/${name}`];
      expect(expected, `add an expectation for peer/${name}`).toBeDefined();
      const { items, error } = await collect(createReadStream(join(SHARED_PEER, name)), { source: relative(ROOT, join(SHARED_PEER, name)), ...(expected?.host ? { host: expected.host } : {}) });
      expect(error).toBeUndefined();
      expect(countKinds(items)).toEqual(expected?.counts);
    });
  }
});
