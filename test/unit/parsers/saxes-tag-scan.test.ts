/**
 * speedUpTagScan (and tag-attributes.ts's open-tag state, which shares its name capture): saxes with
 * the fast tag states reports the same events, names, attribute values, positions and errors as
 * stock saxes, for any chunking.
 */
import { describe, expect, it } from 'vitest';
import { speedUpTagScan } from '../../../stages/parsers/saxes-tag-scan.ts';
import { speedUpTextScan } from '../../../stages/parsers/saxes-text-scan.ts';
import { piecesOf, recordEvents, type RecordOptions } from '../../helpers/saxes-events.ts';

const STOCK: RecordOptions = { attributeEvents: true };
/** The tag states alone, on otherwise stock saxes (saxes' own open-tag state and attribute dictionary). */
const TAG_SCAN: RecordOptions = { patches: [speedUpTagScan], attributeEvents: true };
/** Everything the report parser applies, in its order. */
const REPORT_PARSER: RecordOptions = { patches: [speedUpTextScan, speedUpTagScan], attributes: 'collected' };

const wrap = (body: string, version = '1.0', newline = '\n') =>
  `<?xml version="${version}"?>${newline}<list>${newline}  ${body}${newline}</list>${newline}`;

/** Tag bodies: names, attributes and values that take every fast path and every way out of it. */
const BODIES = [
  '<a>x</a>',
  '<session_list.x-1:y z_2="v" b:c=\'w\'>t</session_list.x-1:y>',
  '<a x="1" y=\'2\'/><b/><c x="3" />',
  '<a   x  =  "1"   y="2"   ></a   >',
  '<a\tx="1"\ty="2"\t>t</a\t>',
  '<a\nx="1"\r\ny="2"\r/>',
  '<a x="tab\there" y="nl\nhere" z="crlf\r\nhere" w="cr\rhere"/>',
  '<a x="&amp;&lt;&gt;&quot;&apos;" y="a &#x1F680; b &#65; c" z="&amp;"/>',
  '<a x="it\'s" y=\'say "hi"\' z="a > b"/>',
  '<a x="" y=\'\'/>',
  '<café ü="é" naïve="日本語">t</café>',
  '<名前 属性="値">t</名前>',
  '<a\u00b7b c\u0300d="1">t</a\u00b7b>',
  '<a𐀀b x𐀀="🚀 astral">t</a𐀀b>',
  '<a x="\u007f\u0080\u0085\u009f\u00a0\u2028\u2029" y="\ud7ff\ue000\ufffd"/>',
  '<a x="lone \ud800 high" y="lone \udc00 low"/>',
  '<a x="bad \u0001 char" y="\ufffe"/>',
  '<a\u0001b/>',
  '<a\ufffe/>',
  '<a x="1"y="2"/>',
  '<a x/>',
  '<a x>',
  '<a x y="1"/>',
  '<a x=1 y="2"/>',
  '<a x="1" x="2"/>',
  '<a x="a<b"/>',
  '<a x="unterminated>t</a>',
  '<1a/>',
  '< a/>',
  '<a/ >',
  '<a =x/>',
  '<a x="1" !/>',
  '<a x="1"!/>',
  '</>',
  '<a></b>',
  '<a>t</a b>',
  '<a>t</a\n>',
  '<a>t</a\r\n >',
  '<a>t</a/>',
  '<a>t</é>',
  '<a>t</a\u0085>',
  '<a x="1"\u2028y="2"/>',
  '<!-- comment --><![CDATA[cdata]]><?pi body?><b/>',
  '<a xmlns="urn:x" xmlns:p="urn:p"><p:b p:c="1"/></a>',
];

function expectSameAsStock(xml: string, cuts: readonly number[], label: string): void {
  const stock = recordEvents(xml, cuts, STOCK);
  expect(recordEvents(xml, cuts, TAG_SCAN), `${label} (tag scan)`).toEqual(stock);
  const stockCollected = recordEvents(xml, cuts, { attributes: 'stock' });
  expect(recordEvents(xml, cuts, REPORT_PARSER), `${label} (report parser patches)`).toEqual(stockCollected);
}

describe('speedUpTagScan', () => {
  it('matches saxes for every tag body, XML 1.0 and 1.1, LF/CRLF/CR, in pieces of 1, 2, 3, 5, 7, 64 and whole', () => {
    for (const body of BODIES) {
      for (const [version, newline] of [['1.0', '\n'], ['1.0', '\r\n'], ['1.0', '\r'], ['1.1', '\n'], ['1.1', '\r\n']] as const) {
        const xml = wrap(body, version, newline);
        for (const size of [1, 2, 3, 5, 7, 64, xml.length]) expectSameAsStock(xml, piecesOf(xml.length, size), `${JSON.stringify(body)} ${version} ${JSON.stringify(newline)} pieces of ${size}`);
      }
    }
  });

  it('matches saxes with the document cut in two at every position (names, values and tags split across chunks)', () => {
    for (const body of BODIES) {
      const xml = wrap(body);
      for (let cut = 1; cut < xml.length; cut++) expectSameAsStock(xml, [cut], `${JSON.stringify(body)} cut at ${cut}`);
    }
  });

  it('matches saxes on random tag soup, in random pieces', () => {
    // Seeded, so a failure reproduces.
    let seed = 0x5eed;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const atoms = ['<', '</', '>', '/>', ' ', '\t', '\n', '\r\n', '\r', '=', '"', "'", '&amp;', '&#x41;', '&bad;', '&', 'a', 'b:c', 'x.y-z_1', 'é', '🚀', '\u0085', '\u2028', '\u0001', '<a ', '<b x="1">', '</b>', 'v="w"', "q='r'", 'text ', ']]>', '<!--c-->', '<?p i?>'];
    for (let round = 0; round < 400; round++) {
      let body = '';
      const count = 3 + random(30);
      for (let k = 0; k < count; k++) body += atoms[random(atoms.length)] as string;
      const xml = wrap(body, random(4) === 0 ? '1.1' : '1.0');
      const cuts: number[] = [];
      for (let at = 1 + random(9); at < xml.length; at += 1 + random(9)) cuts.push(at);
      expectSameAsStock(xml, cuts, `${JSON.stringify(xml)} cuts ${cuts.join(',')}`);
    }
  });

  it('reports errors inside tags at saxes\' line:column', () => {
    const errors = (xml: string) => recordEvents(xml, [], REPORT_PARSER).filter((event) => event.startsWith('error'));
    expect(errors('<r>\n  <a x="1"y="2"/>\n</r>')).toEqual(['error 2:11: no whitespace between attributes.']);
    expect(errors('<r>\n  <a x="a<b"/>\n</r>')).toEqual(['error 2:10: disallowed character.']);
    expect(errors('<r>\n  <a x="1" x="2"/>\n</r>')).toEqual(['error 2:18: duplicate attribute: x.']);
    expect(errors('<r>\n  <a>t</a b>\n</r>')).toEqual(['error 2:11: disallowed character in closing tag.']);
    expect(errors('<r>\n  <a\u0001b/>\n</r>')).toEqual([
      'error 2:5: disallowed character.', 'error 2:5: disallowed character in tag name.', 'error 2:7: disallowed character in attribute name.', 'error 2:8: attribute without value.', 'error 3:4: unexpected close tag.',
    ]);
  });

  it('reads names and values split across chunks whole', () => {
    const xml = '<r><element_name attribute_name="attribute value">t</element_name></r>';
    for (let cut = 1; cut < xml.length; cut++) {
      const events = recordEvents(xml, [cut], REPORT_PARSER);
      expect(events.filter((event) => event.startsWith('open "element_name"'))[0], `cut at ${cut}`).toContain('[["attribute_name","attribute value"]]');
      expect(events.some((event) => event.startsWith('close "element_name"')), `cut at ${cut}`).toBe(true);
    }
  });
});
