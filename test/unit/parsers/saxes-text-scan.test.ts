/** speedUpTextScan: saxes with the fast text scan reports the same text, positions and errors as without it. */
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { speedUpTextScan } from '../../../stages/parsers/saxes-text-scan.ts';

/** Every event saxes emits for `xml` fed in `chunk`-character pieces, with the position after each. */
function events(xml: string, chunk: number, fast: boolean): string[] {
  const parser = new SaxesParser({ xmlns: false, position: true });
  if (fast) speedUpTextScan(parser);
  const seen: string[] = [];
  const at = () => `${parser.line}:${parser.column}:${parser.position}`;
  parser.on('text', (text) => seen.push(`text ${JSON.stringify(text)} ${at()}`));
  parser.on('opentag', (tag) => seen.push(`open ${tag.name} ${at()}`));
  parser.on('closetag', (tag) => seen.push(`close ${tag.name} ${at()}`));
  parser.on('error', (error) => seen.push(`error ${error.message}`));
  for (let i = 0; i < xml.length; i += chunk) parser.write(xml.slice(i, i + chunk));
  parser.close();
  return seen;
}

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
