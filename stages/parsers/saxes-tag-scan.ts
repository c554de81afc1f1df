/**
 * A faster scan of tags for saxes 6. saxes reads element names, attribute names and attribute
 * values one character at a time through a method call (`getCode`) that counts lines and columns
 * and checks each character; after the text scan (saxes-text-scan.ts) those loops were the
 * parser's next largest costs.
 *
 * {@link speedUpTagScan} replaces, in one parser's state table, saxes' tag states (`sOpenWaka`,
 * `sAttrib`, `sAttribName`, `sAttribValue`, `sAttribValueQuoted`, `sAttribValueClosed`, `sCloseTag`)
 * with code that first handles, in a tight loop over the chunk, only characters for which saxes'
 * `getCode` (XML 1.0 and 1.1 alike) does nothing but `column++` and return the code: ASCII name
 * characters `[A-Za-z0-9_:.-]`, the ASCII character that ends a name, and attribute value
 * characters other than the quote, `&`, `<`, controls (tab, CR, LF), U+007F–U+009F, U+2028 and
 * surrogates. At the first other character it hands over to saxes' own state code, with the part
 * already read appended to saxes' buffer exactly as saxes would have (`name += …`, `text += …`), so
 * line/column, errors, names and values are unchanged. {@link captureNameChars} does the same for
 * saxes' name capture and is shared with tag-attributes.ts's open-tag state.
 *
 * The state table, not the parser object, is patched (see saxes-text-scan.ts for why). Like the
 * other patches this depends on saxes internals: {@link speedUpTagScan} checks they are there and
 * fails loudly otherwise, and test/unit/parsers/saxes-tag-scan.test.ts compares every event and
 * error with stock saxes.
 */
import { SaxesParser } from 'saxes';

// saxes 6 constants.
// Declared in this file, not imported from a shared module, on purpose: the same constants imported
// from one module made the parser about 12% slower (main-thread CPU, 4 alternating runs over 200 MB),
// most likely V8 loading the imported bindings in the per-character loops instead of folding them in.
const EOC = -1;
const S_OPEN_WAKA = 15;
const S_OPEN_TAG = 34;
const S_OPEN_TAG_SLASH = 35;
const S_ATTRIB = 36;
const S_ATTRIB_NAME = 37;
const S_ATTRIB_NAME_SAW_WHITE = 38;
const S_ATTRIB_VALUE = 39;
const S_ATTRIB_VALUE_QUOTED = 40;
const S_ATTRIB_VALUE_CLOSED = 41;
const S_CLOSE_TAG = 43;
const S_CLOSE_TAG_SAW_WHITE = 44;

const SPACE = 0x20;
const DOUBLE_QUOTE = 0x22;
const AMP = 0x26;
const SINGLE_QUOTE = 0x27;
const FORWARD_SLASH = 0x2f;
const LESS = 0x3c;
const EQUAL = 0x3d;
const GREATER = 0x3e;
const DELETE = 0x7f;
const FIRST_C1_AFTER = 0xa0;
const LINE_SEPARATOR = 0x2028;
const FIRST_SURROGATE = 0xd800;
const isS = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** ASCII characters: 1 for name characters `[0-9.-]`, 3 for name start characters `[A-Za-z_:]`, 0 otherwise. */
const NAME_CHAR = 1;
const NAME_START = 3;
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_:]/.test(ch)) ASCII_NAME[c] = NAME_START;
  else if (/[0-9.-]/.test(ch)) ASCII_NAME[c] = NAME_CHAR;
}

/** The saxes 6 internals the tag states use. */
export interface SaxesTagInternals {
  stateTable?: unknown;
  getCode: () => number;
  getCode10?: unknown;
  getCode11?: unknown;
  captureNameChars(): number;
  pushAttrib(name: string, value: string): void;
  openTag(): void;
  closeTag(): void;
  fail(message: string): unknown;
  chunk: string;
  i: number;
  prevI: number;
  column: number;
  name: string;
  text: string;
  q: number | null;
  state: number;
  xmlDeclPossible: boolean;
}

/** saxes' own state methods, for everything the fast paths leave to it. */
interface StockStates {
  sOpenWaka?: (this: SaxesTagInternals) => void;
  sAttrib?: (this: SaxesTagInternals) => void;
  sAttribName?: (this: SaxesTagInternals) => void;
  sAttribValue?: (this: SaxesTagInternals) => void;
  sAttribValueQuoted?: (this: SaxesTagInternals) => void;
  sAttribValueClosed?: (this: SaxesTagInternals) => void;
  sCloseTag?: (this: SaxesTagInternals) => void;
  captureNameChars?: (this: SaxesTagInternals) => number;
}
const stock = SaxesParser.prototype as unknown as Required<StockStates>;

/**
 * saxes 6's `captureNameChars` (name characters into `p.name`; returns the character after them,
 * `EOC` at the end of the chunk), with ASCII names read in a tight loop.
 */
export function captureNameChars(p: SaxesTagInternals): number {
  const chunk = p.chunk;
  const start = p.i;
  const length = chunk.length;
  let i = start;
  while (i < length) {
    const code = chunk.charCodeAt(i);
    if (code < 0x80 && ASCII_NAME[code] !== 0) {
      i++;
      continue;
    }
    if (code >= SPACE && code < DELETE) {
      // A printable ASCII character that is not a name character ends the name: getCode only counts it.
      p.column += i + 1 - start;
      p.prevI = i;
      p.i = i + 1;
      p.name += chunk.slice(start, i);
      return code;
    }
    break;
  }
  if (i !== start) {
    p.column += i - start;
    p.i = i;
    p.name += chunk.slice(start, i);
  }
  return stock.captureNameChars.call(p);
}

/** saxes 6's `sOpenWaka`: after `<`, a start tag, an end tag, or markup. */
function sOpenWaka(this: SaxesTagInternals): void {
  const i = this.i;
  const code = this.chunk.charCodeAt(i);
  if (code < 0x80 && ASCII_NAME[code] === NAME_START) {
    // saxes reads it and ungets it: the column is unchanged.
    this.prevI = i;
    this.state = S_OPEN_TAG;
    this.xmlDeclPossible = false;
  } else if (code === FORWARD_SLASH) {
    this.prevI = i;
    this.i = i + 1;
    this.column++;
    this.state = S_CLOSE_TAG;
    this.xmlDeclPossible = false;
  } else {
    stock.sOpenWaka.call(this);
  }
}

/** saxes 6's `sAttrib`: spaces, then an attribute name, `>` or `/`. */
function sAttrib(this: SaxesTagInternals): void {
  const chunk = this.chunk;
  const length = chunk.length;
  const from = this.i;
  let i = from;
  while (i < length && chunk.charCodeAt(i) === SPACE) i++;
  if (i < length) {
    const code = chunk.charCodeAt(i);
    if (code < 0x80 && ASCII_NAME[code] === NAME_START) {
      // Read and ungot by saxes.
      this.column += i - from;
      this.prevI = i;
      this.i = i;
      this.state = S_ATTRIB_NAME;
      return;
    }
  }
  this.column += i - from;
  this.i = i;
  stock.sAttrib.call(this);
}

/** saxes 6's `sAttribName` with the fast name capture. */
function sAttribName(this: SaxesTagInternals): void {
  const c = captureNameChars(this);
  if (c === EQUAL) {
    this.state = S_ATTRIB_VALUE;
  } else if (isS(c)) {
    this.state = S_ATTRIB_NAME_SAW_WHITE;
  } else if (c === GREATER) {
    this.fail('attribute without value.');
    this.pushAttrib(this.name, this.name);
    this.name = this.text = '';
    this.openTag();
  } else if (c !== EOC) {
    this.fail('disallowed character in attribute name.');
  }
}

/** saxes 6's `sAttribValue`: the opening quote. */
function sAttribValue(this: SaxesTagInternals): void {
  const i = this.i;
  const code = this.chunk.charCodeAt(i);
  if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) {
    this.prevI = i;
    this.i = i + 1;
    this.column++;
    this.q = code;
    this.state = S_ATTRIB_VALUE_QUOTED;
  } else {
    stock.sAttribValue.call(this);
  }
}

/** saxes 6's `sAttribValueQuoted`, with plain characters up to the closing quote read in a tight loop. */
function sAttribValueQuoted(this: SaxesTagInternals): void {
  const chunk = this.chunk;
  const length = chunk.length;
  const q = this.q;
  const start = this.i;
  let i = start;
  while (i < length) {
    const code = chunk.charCodeAt(i);
    if (code < SPACE || code === q || code === AMP || code === LESS || (code >= DELETE && (code < FIRST_C1_AFTER || code >= FIRST_SURROGATE || code === LINE_SEPARATOR))) break;
    i++;
  }
  if (i < length && chunk.charCodeAt(i) === q) {
    this.column += i + 1 - start;
    this.prevI = i;
    this.i = i + 1;
    this.pushAttrib(this.name, this.text + chunk.slice(start, i));
    this.name = this.text = '';
    this.q = null;
    this.state = S_ATTRIB_VALUE_CLOSED;
    return;
  }
  if (i !== start) {
    this.column += i - start;
    this.i = i;
    this.text += chunk.slice(start, i);
  }
  stock.sAttribValueQuoted.call(this);
}

/** saxes 6's `sAttribValueClosed`: after a value, a space, `>` or `/`. */
function sAttribValueClosed(this: SaxesTagInternals): void {
  const i = this.i;
  const code = this.chunk.charCodeAt(i);
  if (code === SPACE || code === GREATER || code === FORWARD_SLASH) {
    this.prevI = i;
    this.i = i + 1;
    this.column++;
    if (code === SPACE) this.state = S_ATTRIB;
    else if (code === GREATER) this.openTag();
    else this.state = S_OPEN_TAG_SLASH;
  } else {
    stock.sAttribValueClosed.call(this);
  }
}

/** saxes 6's `sCloseTag` with the fast name capture. */
function sCloseTag(this: SaxesTagInternals): void {
  const c = captureNameChars(this);
  if (c === GREATER) {
    this.closeTag();
  } else if (isS(c)) {
    this.state = S_CLOSE_TAG_SAW_WHITE;
  } else if (c !== EOC) {
    this.fail('disallowed character in closing tag.');
  }
}

/** Makes `parser` read tags with the fast paths above. Call once, right after constructing it. */
export function speedUpTagScan(parser: SaxesParser<{ xmlns: false }>): void {
  const internals = parser as unknown as SaxesTagInternals & StockStates;
  const states = internals.stateTable;
  const names = ['sOpenWaka', 'sAttrib', 'sAttribName', 'sAttribValue', 'sAttribValueQuoted', 'sAttribValueClosed', 'sCloseTag'] as const;
  const numbers = [S_OPEN_WAKA, S_ATTRIB, S_ATTRIB_NAME, S_ATTRIB_VALUE, S_ATTRIB_VALUE_QUOTED, S_ATTRIB_VALUE_CLOSED, S_CLOSE_TAG];
  const getCode = internals.getCode;
  if (!Array.isArray(states) || names.some((name, k) => typeof stock[name] !== 'function' || states[numbers[k] as number] !== stock[name])
    || typeof stock.captureNameChars !== 'function' || typeof internals.pushAttrib !== 'function' || typeof internals.openTag !== 'function'
    || typeof internals.closeTag !== 'function' || (getCode !== internals.getCode10 && getCode !== internals.getCode11)
    || typeof internals.column !== 'number' || typeof internals.prevI !== 'number' || typeof internals.xmlDeclPossible !== 'boolean') {
    throw new Error('saxes internals changed (tag states/captureNameChars/getCode): stages/parsers/saxes-tag-scan.ts must be updated for this saxes version');
  }
  states[S_OPEN_WAKA] = sOpenWaka;
  states[S_ATTRIB] = sAttrib;
  states[S_ATTRIB_NAME] = sAttribName;
  states[S_ATTRIB_VALUE] = sAttribValue;
  states[S_ATTRIB_VALUE_QUOTED] = sAttribValueQuoted;
  states[S_ATTRIB_VALUE_CLOSED] = sAttribValueClosed;
  states[S_CLOSE_TAG] = sCloseTag;
}
