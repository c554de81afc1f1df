/**
 * Streaming UTF-8 decoding that is strict (invalid bytes are an error, never U+FFFD) and safe across
 * chunk boundaries: a character split between two chunks is decoded whole. On invalid input it
 * reports the text decoded up to the bad byte, so the parser can still emit every session before it
 * and point at the exact line and column.
 */

/** Thrown by {@link Utf8Decoder}: `validText` is everything decoded before the offending byte. */
export class InvalidUtf8Error extends Error {
  readonly validText: string;
  /** The offending byte, or `null` when the input ended inside a multi-byte character. */
  readonly byte: number | null;

  constructor(validText: string, byte: number | null) {
    super(byte === null ? 'the input ends inside a multi-byte UTF-8 character' : `invalid UTF-8 byte 0x${byte.toString(16).padStart(2, '0')}`);
    this.validText = validText;
    this.byte = byte;
  }
}

export class Utf8Decoder {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** The stream's last (up to) 3 bytes: where an incomplete character the decoder holds lives. */
  #recent = new Uint8Array(0);

  decode(bytes: Uint8Array): string {
    try {
      const text = this.#decoder.decode(bytes, { stream: true });
      this.#remember(bytes);
      return text;
    } catch {
      const held = incompleteTail(this.#recent);
      const all = new Uint8Array(held.length + bytes.length);
      all.set(held);
      all.set(bytes, held.length);
      const bad = Math.max(0, firstInvalidByte(all));
      throw new InvalidUtf8Error(new TextDecoder('utf-8', { ignoreBOM: true }).decode(all.subarray(0, bad)), all[bad] ?? null);
    }
  }

  /** End of input: a character left incomplete is an error. */
  end(): string {
    try {
      return this.#decoder.decode();
    } catch {
      throw new InvalidUtf8Error('', null);
    }
  }

  #remember(bytes: Uint8Array): void {
    if (bytes.length >= 3) {
      this.#recent = bytes.slice(bytes.length - 3);
    } else {
      const joined = new Uint8Array(this.#recent.length + bytes.length);
      joined.set(this.#recent);
      joined.set(bytes, this.#recent.length);
      this.#recent = joined.slice(Math.max(0, joined.length - 3));
    }
  }
}

/** Bytes at the end of `bytes` that start a multi-byte character they do not finish. */
function incompleteTail(bytes: Uint8Array): Uint8Array {
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 3; i--) {
    const byte = bytes[i] as number;
    if (byte < 0x80) break;
    if (byte >= 0xc0) return sequenceLength(byte) > bytes.length - i ? bytes.subarray(i) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Index of the first byte that is not part of a well-formed UTF-8 character, or -1. */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 0 || i + length > bytes.length) return i;
    const second = bytes[i + 1] as number;
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k] as number;
      if (next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}
