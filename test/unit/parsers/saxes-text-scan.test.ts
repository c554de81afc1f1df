/** speedUpTextScan: saxes with the fast text scan reports the same text, positions and errors as without it. */
import { describe, expect, it } from 'vitest';
import { speedUpTextScan } from '../../../stages/parsers/saxes-text-scan.ts';
import { piecesOf, recordEvents } from '../../helpers/saxes-events.ts';

/** Every event saxes emits for `xml` fed in `chunk`-character pieces, with the position after each. */
const events = (xml: string, chunk: number, fast: boolean): string[] =>
  recordEvents(xml, piecesOf(xml.length, chunk), fast ? { patches: [speedUpTextScan] } : {});

const doc = (text: string, version = '1.0', newline = '\n') =>
  `<?xml version="${version}"?>${newline}<list>${newline}    <a>${text}</a>${newline}    <b x="1">  tail\t</b>${newline}</list>${newline}`;

describe('speedUpTextScan', () => {
  const texts = ['plain text', 'a ]]> b', 'a ]] > b', 'x]]]>y', '\ttab\r\ncrlf\rcr', 'emoji 🚀 and é', 'lone \ud800 surrogate', 'bad \u0001 char', 'a &amp; b &#x1F680;', '\ufffe', ' '.repeat(300), 'a > b'];
  it('matches saxes for text with markup-like characters, line ends, surrogates and bad characters, in any chunking', () => {
    for (const text of texts) {
      for (const [version, newline] of [['1.0', '\n'], ['1.0', '\r\n'], ['1.1', '\n'], ['1.0', '\r']] as const) {
        const xml = doc(text, version, newline);
        for (const chunk of [1, 2, 5, 64, xml.length]) expect(events(xml, chunk, true), `${JSON.stringify(text)} ${version} chunk ${chunk}`).toEqual(events(xml, chunk, false));
      }
    }
  });

  it('reports "]]>" in text at saxes\' position', () => {
    const found = events(doc('a ]]> b'), 7, true).filter((event) => event.startsWith('error'));
    expect(found).toEqual(['error 3:12: the string "]]>" is disallowed in char data.']);
  });
});
