/**
 * Where to cut a chunk of UTF-8 so that text V8 can keep one byte per character is decoded apart
 * from text it cannot.
 *
 * V8 stores a string with one byte per character when every character is at most U+00FF, and
 * with two otherwise. A chunk decoded whole becomes two-byte as soon as it holds one character
 * such as "–", "’", "山" or an emoji; every value cut from it afterwards (names, times, the system
 * information XML) is two-byte too, even when it is plain ASCII. That doubles the bytes those
 * values take and the garbage collector copies, and sends every later UTF-8 encoding (SQLite's
 * binds, COPY, JSON) down V8's two-byte path. Decoding the runs of wide characters as pieces of
 * their own keeps everything else one-byte: in a load of a generated report, which has such a
 * character every few kilobytes, the scavenger then copied about a quarter fewer bytes
 * (bench/RESULTS.md; the speed-up was within the machine's noise).
 */

/** UTF-8 lead bytes from 0xC4 up start a character above U+00FF. */
const WIDE_LEAD = 0xc4;
/** Wide characters this close together are decoded as one piece: "山田 太郎" is one run, not three. */
const MERGE_GAP = 32;
/** Beyond this many cuts a chunk is mostly wide text: the rest of it is decoded whole. */
const MAX_CUTS = 64;

/**
 * The index of the first byte from `from` on that starts a character above U+00FF, or the length.
 * Reads eight bytes at a time where it can: bytes with both top bits set are the only lead bytes of
 * 0xC0 and up, and most eight-byte runs of a report hold none (2.9× faster than byte by byte).
 */
function nextWideLead(bytes: Uint8Array, from: number): number {
  const length = bytes.length;
  let i = from;
  while (i < length && ((bytes.byteOffset + i) & 3) !== 0) {
    if ((bytes[i] as number) >= WIDE_LEAD) return i;
    i++;
  }
  if (i === length) return length; // an unaligned view is refused even when empty
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (length - i) >>> 2);
  const pairsEnd = words.length & ~1;
  for (let w = 0; w < pairsEnd; w += 2) {
    const a = words[w] as number;
    const b = words[w + 1] as number;
    if ((((a & (a << 1)) | (b & (b << 1))) & 0x80808080) === 0) continue;
    for (let k = i + w * 4, end = k + 8; k < end; k++) if ((bytes[k] as number) >= WIDE_LEAD) return k;
  }
  for (i += pairsEnd * 4; i < length; i++) if ((bytes[i] as number) >= WIDE_LEAD) return i;
  return length;
}

const isContinuation = (byte: number): boolean => (byte & 0xc0) === 0x80;

/**
 * Ascending offsets, each inside (0, bytes.length), at which to cut `bytes` before decoding; empty
 * when no cut helps. Every cut falls on a character boundary except that a chunk starting with the
 * tail of a character begun in the previous chunk is cut after that tail.
 */
export function oneByteCuts(bytes: Uint8Array): number[] {
  const length = bytes.length;
  const cuts: number[] = [];
  let i = 0;
  // A character split across chunks completes here: decode its tail on its own.
  while (i < length && isContinuation(bytes[i] as number)) i++;
  if (i > 0 && i < length) cuts.push(i);
  while (i < length) {
    i = nextWideLead(bytes, i);
    if (i === length) break;
    const start = i;
    let end = start;
    for (;;) {
      end++;
      while (end < length && isContinuation(bytes[end] as number)) end++;
      const limit = Math.min(length, end + MERGE_GAP);
      let next = end;
      while (next < limit && (bytes[next] as number) < WIDE_LEAD) next++;
      if (next === limit) break;
      end = next;
    }
    if (start > 0 && cuts.at(-1) !== start) cuts.push(start);
    if (end < length) cuts.push(end);
    if (cuts.length >= MAX_CUTS) break;
    i = end;
  }
  return cuts;
}
