/**
 * Start-tag attributes without saxes' per-tag dictionary. saxes (non-namespace mode) collects each
 * attribute as a `{name, value}` object and then copies them into an `Object.create(null)`
 * dictionary per tag; reading that back (and enumerating it to find unknown attributes) was the
 * largest single cost of the parser. Instead, two reused arrays hold the current start tag's names
 * and values, and lookups scan them (report elements carry 0 to 3 attributes).
 *
 * This replaces two internal methods of the saxes instance (`pushAttrib`, `processAttribs`, set per
 * instance by its constructor in saxes 6). {@link collectAttributes} checks they exist and fails
 * loudly otherwise, and a unit test pins the behaviour, so a saxes upgrade cannot silently break it.
 * Well-formedness is unchanged: duplicate attributes are still an error.
 *
 * With attributes collected here, the `Object.create(null)` dictionary saxes makes for every start
 * tag is never filled: {@link collectAttributes} also replaces saxes' open-tag state (`sOpenTag`)
 * with the same code minus that dictionary (a quarter of all the bytes the parser allocated).
 */
import type { SaxesParser } from 'saxes';
import { detach } from './leaf-values.ts';
import { captureNameChars, type SaxesTagInternals } from './saxes-tag-scan.ts';

/** The attributes of the start tag whose `opentag` event is being handled. Valid only during it. */
export class TagAttributes {
  readonly names: string[] = [];
  readonly values: string[] = [];
  count = 0;

  get(name: string): string | undefined {
    const names = this.names;
    for (let i = 0; i < this.count; i++) {
      if (names[i] === name) return this.values[i];
    }
    return undefined;
  }

  copyFrom(other: TagAttributes): void {
    const count = other.count;
    for (let i = 0; i < count; i++) {
      this.names[i] = other.names[i] as string;
      this.values[i] = other.values[i] as string;
    }
    this.count = count;
  }
}

interface SaxesInternals {
  pushAttrib?: unknown;
  processAttribs?: unknown;
  attribList?: unknown;
  stateTable?: unknown;
  sOpenTag?: unknown;
  captureNameChars(): number;
  openTag(): void;
  fail(message: string): unknown;
  tag: { name: string; attributes: Record<string, string> };
  name: string;
  state: number;
  sawRoot: boolean;
  closedRoot: boolean;
  fragmentOpt: boolean;
  openTagStartHandler?: unknown;
}

// saxes 6 state numbers and character codes used by its open-tag state.
// Local on purpose, not imported: see the note on saxes-tag-scan.ts's constants.
const S_OPEN_TAG = 34;
const S_OPEN_TAG_SLASH = 35;
const S_ATTRIB = 36;
const EOC = -1;
const GREATER = 0x3e;
const FORWARD_SLASH = 0x2f;
const isS = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Every tag's `attributes`: always empty, since attributes go to {@link TagAttributes}. */
const NO_ATTRIBUTES: Record<string, string> = Object.freeze(Object.create(null) as Record<string, string>);

/** saxes 6's `sOpenTag` (non-namespace mode, no `opentagstart` handler) without the per-tag dictionary, with saxes-tag-scan.ts's name capture. */
function sOpenTag(this: SaxesInternals): void {
  const c = captureNameChars(this as unknown as SaxesTagInternals);
  if (c === EOC) return;
  this.tag = { name: this.name, attributes: NO_ATTRIBUTES };
  this.name = '';
  this.sawRoot = true;
  if (!this.fragmentOpt && this.closedRoot) this.fail('documents may contain only one root.');
  switch (c) {
    case GREATER:
      this.openTag();
      break;
    case FORWARD_SLASH:
      this.state = S_OPEN_TAG_SLASH;
      break;
    default:
      if (!isS(c)) this.fail('disallowed character in tag name.');
      this.state = S_ATTRIB;
  }
}

/**
 * Makes `parser` deliver attributes through the returned view instead of `tag.attributes` (which
 * stays empty). Call once, right after constructing the parser.
 */
export function collectAttributes(parser: SaxesParser<{ xmlns: false }>): TagAttributes {
  const internals = parser as unknown as SaxesInternals;
  if (typeof internals.pushAttrib !== 'function' || typeof internals.processAttribs !== 'function' || !Array.isArray(internals.attribList)) {
    throw new Error('saxes internals changed (pushAttrib/processAttribs): stages/parsers/tag-attributes.ts must be updated for this saxes version');
  }
  const states = internals.stateTable;
  if (!Array.isArray(states) || states[S_OPEN_TAG] !== internals.sOpenTag || typeof internals.sOpenTag !== 'function' || internals.openTagStartHandler !== undefined) {
    throw new Error('saxes internals changed (stateTable/sOpenTag): stages/parsers/tag-attributes.ts must be updated for this saxes version');
  }
  states[S_OPEN_TAG] = sOpenTag;
  const live = new TagAttributes();
  const { names, values } = live;
  let pending = 0;
  internals.pushAttrib = (name: string, value: string): void => {
    names[pending] = name;
    values[pending] = detach(value);
    pending++;
  };
  internals.processAttribs = (): void => {
    for (let i = 1; i < pending; i++) {
      for (let j = 0; j < i; j++) {
        if (names[i] === names[j]) internals.fail(`duplicate attribute: ${names[i]}.`);
      }
    }
    live.count = pending;
    pending = 0;
  };
  return live;
}
