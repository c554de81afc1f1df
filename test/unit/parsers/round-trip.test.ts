/**
 * The parser is the exact inverse of the seeded generator: for many seeds, both products, ended and
 * in-progress sessions and both system-information field spellings, parsing the generated XML gives
 * back the generated bundle. Chunking never changes the output: 1-byte and random-sized chunks
 * (splitting multi-byte characters, tags and entities anywhere) give the same items.
 */
import { describe, expect, it } from 'vitest';
import { generateReport, planSession } from '../../../fixtures/generator/generate-report.ts';
import { reportFooter, reportHeader, sessionXml } from '../../../fixtures/generator/report-xml.ts';
import { syntheticSession } from '../../../fixtures/generator/synthetic-session.ts';
import type { Product, SessionBundle } from '../../../src/records.ts';
import { bundles, chunked, collect, comparable } from '../../helpers/report-items.ts';

const PRODUCTS: readonly Product[] = ['pra', 'rs'];

async function reportBytes(options: Parameters<typeof generateReport>[0]): Promise<Uint8Array> {
  let xml = '';
  for await (const chunk of generateReport(options)) xml += chunk;
  return new TextEncoder().encode(xml);
}

describe('parse(sessionXml(syntheticSession(plan))) equals the generated bundle', () => {
  for (const product of PRODUCTS) {
    it(`${product}: 40 seeds x 6 sessions, ended and in progress, @name and @id fields`, async () => {
      let compared = 0;
      for (let seed = 1; seed <= 40; seed++) {
        for (let index = 0; index < 6; index++) {
          const plan = planSession({ seed, product }, index);
          // Every third session is seen while still in progress: no end, no URLs.
          const asOf = index % 3 === 2 ? plan.start + Math.floor((plan.end - plan.start) / 2) : undefined;
          const expected = syntheticSession({ ...plan, ...(asOf === undefined ? {} : { asOf }) });
          const xml = reportHeader(product) + sessionXml(expected, { product, fieldAttribute: seed % 2 === 0 ? 'id' : 'name' }) + reportFooter();
          // In-progress sessions carry no URL to read the host from, so they get it as --host would.
          const { items, error } = await collect([xml], { source: 'generated', product, ...(asOf === undefined ? {} : { host: plan.host }) });
          expect(error).toBeUndefined();
          const [bundle] = bundles(items);
          expect(bundle && comparable(bundle), `seed ${seed} session ${index}`).toEqual(comparable(expected));
          compared++;
        }
      }
      expect(compared).toBe(240);
    });
  }

  it('covers every kind of record, so the comparison is not vacuous', () => {
    const kinds = new Set<string>();
    for (const product of PRODUCTS) {
      for (let index = 0; index < 40; index++) {
        const bundle: SessionBundle = syntheticSession(planSession({ seed: 7, product }, index));
        if (bundle.events.some((event) => event.encodedBody !== null)) kinds.add('encoded_body');
        if (bundle.events.some((event) => event.files.length > 0)) kinds.add('files');
        if (bundle.systemInformation.length > 0) kinds.add('system_information');
        if (bundle.teams.length > 0) kinds.add('team');
        if (bundle.surveys.length > 0) kinds.add('survey');
        if (bundle.customAttributes.length > 0) kinds.add('custom_attribute');
        if (bundle.session.commandShellRecordings.length > 0) kinds.add('shell');
        if (bundle.session.showMyScreenRecordings.length > 0) kinds.add('sms');
        if (bundle.session.extra.length > 0) kinds.add('extra');
        if (bundle.customers.some((customer) => (customer.info?.fields.length ?? 0) > 0)) kinds.add('info_fields');
      }
    }
    expect([...kinds].sort()).toEqual(['custom_attribute', 'encoded_body', 'extra', 'files', 'info_fields', 'shell', 'sms', 'survey', 'system_information', 'team']);
  });

  for (const product of PRODUCTS) {
    it(`${product}: a whole generated report gives back every session, in order`, async () => {
      const sessions = 60;
      const { items, error } = await collect([await reportBytes({ seed: 'whole', product, sessions })], { source: 'generated', product });
      expect(error).toBeUndefined();
      const expected = Array.from({ length: sessions }, (_, index) => comparable(syntheticSession(planSession({ seed: 'whole', product }, index))));
      expect(bundles(items).map(comparable)).toEqual(expected);
      expect(bundles(items).map((bundle) => bundle.origin.index)).toEqual(expected.map((_, index) => index));
    });
  }
});

describe('chunk boundaries never change the output', () => {
  for (const product of PRODUCTS) {
    it(`${product}: 1-byte chunks and random-sized chunks give the same items as one chunk`, async () => {
      const bytes = await reportBytes({ seed: 'chunks', product, sessions: 4 });
      const whole = await collect([bytes], { source: 'r.xml', product, captureRawXml: true });
      expect(whole.error).toBeUndefined();
      expect(bundles(whole.items)).toHaveLength(4);
      const oneByte = await collect(chunked(bytes, 1), { source: 'r.xml', product, captureRawXml: true });
      expect(oneByte).toEqual(whole);
      for (let seed = 1; seed <= 5; seed++) {
        const random = await collect(chunked(bytes, { seed, max: 3000 }), { source: 'r.xml', product, captureRawXml: true });
        expect(random, `chunk seed ${seed}`).toEqual(whole);
      }
      // Text chunks (already decoded) split anywhere, surrogate pairs included, give the same too.
      const text = new TextDecoder().decode(bytes);
      const pieces: string[] = [];
      for (let at = 0; at < text.length; at += 7) pieces.push(text.slice(at, at + 7));
      expect(await collect(pieces, { source: 'r.xml', product, captureRawXml: true })).toEqual(whole);
    });
  }

  it('really splits multi-byte characters (the generated text has them)', async () => {
    const bytes = await reportBytes({ seed: 'chunks', product: 'rs', sessions: 4 });
    expect(bytes.some((byte) => byte >= 0xf0)).toBe(true); // 4-byte UTF-8 (emoji) present
  });
});
