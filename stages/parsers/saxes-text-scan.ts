/**
 * A faster scan of character data for saxes 6. saxes reads text one character at a time through a
 * method call (`getCode`) that also counts lines and columns and checks each character; between the
 * tags of an indented report that loop runs over every indentation space, and it was the parser's
 * largest single cost (about 10% of the main thread of a SQLite load).
 *
 * {@link speedUpTextScan} replaces, in one parser's state table, saxes' text state (`sText`, which
 * calls `handleTextInRoot` inside the root element) with the same code, `handleTextInRoot` being
 * saxes' code plus a tight loop that first skips, in place, every character saxes would only have counted:
 * anything from U+0020 to U+D7FF except `<`, `&`, `]` and `>`, and tab. Those are exactly the
 * characters for which saxes' XML 1.0 `getCode` returns the code after `column++` and nothing else,
 * and for which `handleTextInRoot` only resets its `]]>` detector; line ends, surrogates, markup and
 * everything else still go through saxes' own code, so positions, errors and text are unchanged.
 * Documents declaring XML 1.1 (other character rules) keep saxes' loop. (The state table, not the
 * parser object, is patched: assigning `handleTextInRoot` on the parser instead made the whole
 * parser about three times slower. The object keeps fast properties, so the cause is most likely
 * V8 no longer inlining saxes' per-character methods; it was measured, not pinned down.)
 *
 * Like tag-attributes.ts this depends on saxes internals: the function checks they are there and
 * fails loudly otherwise, and the parser tests (positions in error messages included) pin the behaviour.
 */
import type { SaxesParser } from 'saxes';

// saxes 6 constants used by handleTextInRoot.
// Local on purpose, not imported: see the note on saxes-tag-scan.ts's constants.
const EOC = -1;
const NL_LIKE = -2;
const TAB = 0x09;
const SPACE = 0x20;
const AMP = 0x26;
const LESS = 0x3c;
const GREATER = 0x3e;
const CLOSE_BRACKET = 0x5d;
const FIRST_SURROGATE = 0xd800;
const S_TEXT = 13;
const S_ENTITY = 14;
const S_OPEN_WAKA = 15;
const FORBIDDEN_START = 0;
const FORBIDDEN_BRACKET = 1;
const FORBIDDEN_BRACKET_BRACKET = 2;

interface SaxesTextInternals {
  stateTable?: unknown;
  sText?: unknown;
  tags: unknown[];
  handleTextOutsideRoot(): void;
  getCode10?: unknown;
  getCode: () => number;
  chunk: string;
  i: number;
  prevI: number;
  column: number;
  text: string;
  state: number;
  entityReturnState: number;
  forbiddenState: number;
  textHandler: ((text: string) => void) | undefined;
  fail(message: string): unknown;
}

/** saxes 6's `handleTextInRoot`, with the skip loop at the top of each round. */
function handleTextInRoot(this: SaxesTextInternals): void {
  let start = this.i;
  let forbiddenState = this.forbiddenState;
  const chunk = this.chunk;
  const handler = this.textHandler;
  const plain = this.getCode === (this.getCode10 as () => number);
  const length = chunk.length;
  for (;;) {
    if (plain) {
      const from = this.i;
      let i = from;
      while (i < length) {
        const code = chunk.charCodeAt(i);
        if (code < SPACE ? code !== TAB : code >= FIRST_SURROGATE || code === LESS || code === AMP || code === CLOSE_BRACKET || code === GREATER) break;
        i++;
      }
      if (i !== from) {
        this.column += i - from;
        this.i = i;
        forbiddenState = FORBIDDEN_START;
      }
    }
    switch (this.getCode()) {
      case LESS: {
        this.state = S_OPEN_WAKA;
        if (handler !== undefined) {
          const text = this.text;
          const slice = chunk.slice(start, this.prevI);
          if (text.length !== 0) {
            handler(text + slice);
            this.text = '';
          } else if (slice.length !== 0) {
            handler(slice);
          }
        }
        this.forbiddenState = FORBIDDEN_START;
        return;
      }
      case AMP:
        this.state = S_ENTITY;
        this.entityReturnState = S_TEXT;
        if (handler !== undefined) this.text += chunk.slice(start, this.prevI);
        this.forbiddenState = FORBIDDEN_START;
        return;
      case CLOSE_BRACKET:
        if (forbiddenState === FORBIDDEN_START) forbiddenState = FORBIDDEN_BRACKET;
        else if (forbiddenState === FORBIDDEN_BRACKET) forbiddenState = FORBIDDEN_BRACKET_BRACKET;
        break;
      case GREATER:
        if (forbiddenState === FORBIDDEN_BRACKET_BRACKET) this.fail('the string "]]>" is disallowed in char data.');
        forbiddenState = FORBIDDEN_START;
        break;
      case NL_LIKE:
        if (handler !== undefined) this.text += `${chunk.slice(start, this.prevI)}\n`;
        start = this.i;
        forbiddenState = FORBIDDEN_START;
        break;
      case EOC:
        if (handler !== undefined) this.text += chunk.slice(start);
        this.forbiddenState = forbiddenState;
        return;
      default:
        forbiddenState = FORBIDDEN_START;
    }
  }
}

/** saxes 6's `sText` with the handleTextInRoot above. */
function sText(this: SaxesTextInternals): void {
  if (this.tags.length !== 0) handleTextInRoot.call(this);
  else this.handleTextOutsideRoot();
}

/** Makes `parser` scan character data with the skip loop above. Call once, right after constructing it. */
export function speedUpTextScan(parser: SaxesParser<{ xmlns: false }>): void {
  const internals = parser as unknown as SaxesTextInternals;
  const states = internals.stateTable;
  if (!Array.isArray(states) || typeof internals.sText !== 'function' || states[S_TEXT] !== internals.sText || !Array.isArray(internals.tags)
    || typeof internals.handleTextOutsideRoot !== 'function' || typeof internals.getCode10 !== 'function' || typeof internals.getCode !== 'function'
    || typeof internals.forbiddenState !== 'number' || typeof internals.column !== 'number' || typeof internals.prevI !== 'number') {
    throw new Error('saxes internals changed (sText/handleTextInRoot/getCode10): stages/parsers/saxes-text-scan.ts must be updated for this saxes version');
  }
  states[S_TEXT] = sText;
}
