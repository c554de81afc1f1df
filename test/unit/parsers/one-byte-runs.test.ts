/**
 * Decoding the runs of characters above U+00FF apart from the rest of a chunk: where the cuts fall,
 * that the pieces decode to exactly the text of the whole, and that the parser's values come out
 * one byte per character when they can (what the cuts are for).
 */
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../fixtures/generator/prng.ts';
import { oneByteCuts } from '../../../stages/parsers/one-byte-runs.ts';
import { bundles, chunked, collect } from '../../helpers/report-items.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const byteLength = (text: string): number => utf8(text).length;

/** V8's serializer tags a string by how V8 stores it: '"' one byte per character, 'c' two. */
function storage(value: string): 'one-byte' | 'two-byte' {
  const tag = String.fromCharCode(serialize(value)[2] as number);
  if (tag === '"') return 'one-byte';
  if (tag === 'c') return 'two-byte';
  throw new Error(`unexpected serializer tag ${tag}`);
}

describe('oneByteCuts', () => {
  it('leaves ASCII and Latin-1 chunks whole', () => {
    expect(oneByteCuts(utf8('<name>plain</name>'))).toEqual([]);
    expect(oneByteCuts(utf8('<name>Café Ødegård ½</name>'))).toEqual([]);
    expect(oneByteCuts(new Uint8Array(0))).toEqual([]);
  });

  it('cuts around a wide character, on its byte boundaries', () => {
    expect(oneByteCuts(utf8('ab山cd'))).toEqual([2, 5]);
    expect(oneByteCuts(utf8('山cd'))).toEqual([3]);
    expect(oneByteCuts(utf8('ab山'))).toEqual([2]);
    expect(oneByteCuts(utf8('a🚀b'))).toEqual([1, 5]);
  });

  it('keeps wide characters close together in one piece and far apart in two', () => {
    expect(oneByteCuts(utf8('<n>山田 太郎</n>'))).toEqual([3, 3 + byteLength('山田 太郎')]);
    const gap = 'x'.repeat(40);
    expect(oneByteCuts(utf8(`a山${gap}田b`))).toEqual([1, 4, 44, 47]);
  });

  it('cuts off the tail of a character that began in the previous chunk', () => {
    const bytes = utf8('山abc').subarray(1); // two continuation bytes, then ASCII
    expect(oneByteCuts(bytes)).toEqual([2]);
    expect(oneByteCuts(utf8('山').subarray(1))).toEqual([]);
  });

  it('stops cutting a chunk that is mostly wide text', () => {
    const bytes = utf8(Array.from({ length: 500 }, () => `山${'x'.repeat(40)}`).join(''));
    const cuts = oneByteCuts(bytes);
    expect(cuts.length).toBeGreaterThanOrEqual(64);
    expect(cuts.length).toBeLessThanOrEqual(65);
    expect(cuts.at(-1)).toBeLessThan(bytes.length / 2);
  });

  it('finds every wide character in long narrow text, at any alignment of the chunk', () => {
    const narrow = ['a', 'b', ' ', '<', 'é', 'ß', '\n', 'Ø'];
    const wide = ['山', '–', '🚀', 'Ω', 'ł'];
    const prng = new Prng(11, 'wide-offsets');
    for (let round = 0; round < 20; round++) {
      const offset = prng.int(0, 7);
      let text = 'x'.repeat(offset);
      const expected: number[] = [];
      for (let w = 0; w < 12; w++) {
        text += Array.from({ length: prng.int(40, 239) }, () => prng.pick(narrow)).join('');
        const char = prng.pick(wide);
        expected.push(byteLength(text) - offset, byteLength(text) + byteLength(char) - offset);
        text += char;
      }
      text += 'tail';
      const bytes = utf8(text).subarray(offset);
      expect(oneByteCuts(bytes), `round ${round}`).toEqual(expected);
    }
  });

  it('gives pieces that decode, in a stream, to exactly the text of the whole', () => {
    const alphabet = ['a', '<', ' ', 'é', 'ß', '–', '’', '山', '田', '🚀', '\n', 'Ω'];
    const prng = new Prng(7, 'pieces');
    for (let round = 0; round < 40; round++) {
      const text = Array.from({ length: 2000 }, () => prng.pick(alphabet)).join('');
      const decoder = new TextDecoder('utf-8', { fatal: true });
      let decoded = '';
      for (const chunk of chunked(utf8(text), prng.int(1, 300))) {
        let from = 0;
        for (const cut of [...oneByteCuts(chunk), chunk.length]) {
          expect(cut).toBeGreaterThan(from);
          decoded += decoder.decode(chunk.subarray(from, cut), { stream: true });
          from = cut;
        }
      }
      decoded += decoder.decode();
      expect(decoded).toBe(text);
    }
  });
});

describe('the parser with wide characters in a chunk', () => {
  const longLsid = 'c0ffee0123456789abcdef';
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<session_list>' +
    `<session lsid="${longLsid}"><session_type>support</session_type><session_details>` +
    '<event timestamp="1733239565" event_type="Chat Message"><body>ありがとうございます – see you</body></event>' +
    '<event timestamp="1733239566" event_type="Chat Message"><body>A plain ASCII message long enough to be sliced</body></event>' +
    '</session_details></session></session_list>\n';

  it('keeps values without wide characters one byte per character, and the wide ones exact', async () => {
    for (const size of [xml.length * 3, 64, 7]) {
      const { items, error } = await collect(chunked(utf8(xml), size), { source: 'w.xml', host: 'h.example' });
      expect(error).toBeUndefined();
      const [bundle] = bundles(items);
      const [wide, plain] = bundle?.events ?? [];
      expect(wide?.body).toBe('ありがとうございます – see you');
      expect(plain?.body).toBe('A plain ASCII message long enough to be sliced');
      expect(bundle?.session.key.lsid).toBe(longLsid);
      if (size > xml.length) {
        // One chunk holding the wide text: before the cuts every value here was two-byte.
        expect(storage(plain?.body ?? '')).toBe('one-byte');
        expect(storage(bundle?.session.key.lsid ?? '')).toBe('one-byte');
        expect(storage(plain?.type ?? '')).toBe('one-byte');
      }
    }
  });
});

describe('a UTF-8 byte order mark, a wide character of its own', () => {
  it('is skipped whole or split across chunks, and the document parses as without it', async () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<session_list><session lsid="bom-session-0001"><session_type>support</session_type></session></session_list>\n';
    const plain = await collect([utf8(xml)], { source: 'b.xml', host: 'h.example' });
    expect(plain.error).toBeUndefined();
    const withMark = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(xml)]);
    for (const size of [withMark.length, 2, 1]) {
      const { items, error } = await collect(chunked(withMark, size), { source: 'b.xml', host: 'h.example' });
      expect(error).toBeUndefined();
      expect(bundles(items).map((b) => b.session.key.lsid)).toEqual(['bom-session-0001']);
      expect(bundles(items)).toEqual(bundles(plain.items));
    }
  });
});
