/**
 * Keeps each session's XML exactly as the appliance sent it, for the file sink's "one XML file per
 * session". The document's head (XML declaration and the list root's start tag with its namespace
 * declarations) is kept once; each session's text is cut out of the decoded stream by position and
 * wrapped in that head and the root's end tag, so every piece is a well-formed document of its own.
 *
 * Memory: only the text from the end of the previous item to the current position is held, i.e.
 * about one session plus one input chunk. Positions are saxes' (UTF-16 offsets into the whole text).
 */
import type { SessionTextCapture } from './report-builder.ts';

export class RawCapture implements SessionTextCapture {
  /** Decoded chunks still needed, in order; `#base` is the text position of `#chunks[0][0]`. */
  #chunks: string[] = [];
  #base = 0;
  #head: string | null = null;
  #sessionStart = -1;

  /** Every chunk given to saxes must be appended here first, in the same order. */
  append(text: string): void {
    this.#chunks.push(text);
  }

  rootOpened(end: number): void {
    this.#head = this.#slice(this.#base, end);
    this.release(end);
  }

  sessionOpened(end: number, qname: string): void {
    // The start tag just ended; look back a little first, the whole held text only if it is long.
    let from = Math.max(this.#base, end - 512);
    let at = this.#slice(from, end).lastIndexOf(`<${qname}`);
    if (at === -1 && from > this.#base) {
      from = this.#base;
      at = this.#slice(from, end).lastIndexOf(`<${qname}`);
    }
    this.#sessionStart = from + Math.max(0, at);
    this.release(this.#sessionStart);
  }

  sessionClosed(end: number, rootQName: string): string {
    const body = this.#slice(this.#sessionStart, end);
    this.#sessionStart = -1;
    this.release(end);
    return `${this.#head ?? ''}\n${body}\n</${rootQName}>\n`;
  }

  /** Drops whole chunks that end at or before `position` (no copying). */
  release(position: number): void {
    while (this.#chunks.length > 1) {
      const first = this.#chunks[0] as string;
      if (this.#base + first.length > position) break;
      this.#base += first.length;
      this.#chunks.shift();
    }
  }

  #slice(from: number, to: number): string {
    let offset = this.#base;
    let text = '';
    for (const chunk of this.#chunks) {
      const end = offset + chunk.length;
      if (end > from && offset < to) text += chunk.slice(Math.max(0, from - offset), Math.min(chunk.length, to - offset));
      if (end >= to) break;
      offset = end;
    }
    return text;
  }
}
