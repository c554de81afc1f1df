/**
 * Records every event a saxes parser emits, with the parser's line:column:position after each, so
 * a patched parser (stages/parsers/saxes-*.ts, tag-attributes.ts) can be compared event for event
 * with stock saxes over the same input and chunking.
 */
import { SaxesParser } from 'saxes';
import { collectAttributes } from '../../stages/parsers/tag-attributes.ts';

export type Patch = (parser: SaxesParser<{ xmlns: false }>) => void;

export interface RecordOptions {
  /**
   * Patches applied right after construction, in order. When `attributes` is 'collected',
   * tag-attributes.ts's collectAttributes is applied after them (as the report parser does).
   */
  readonly patches?: readonly Patch[];
  /**
   * Where attributes are read at `opentag`: saxes' `tag.attributes` (stock) or tag-attributes.ts's
   * view ('collected'). Either way they are listed as saxes' dictionary holds them: first-seen
   * order, last value wins.
   */
  readonly attributes?: 'stock' | 'collected';
  /** Also record saxes' per-attribute event (only meaningful without collectAttributes). */
  readonly attributeEvents?: boolean;
}

/** Every event for `xml` fed in the given pieces (cut points), with the position after each. */
export function recordEvents(xml: string, cuts: readonly number[], options: RecordOptions = {}): string[] {
  const parser = new SaxesParser({ xmlns: false, position: true });
  for (const patch of options.patches ?? []) patch(parser);
  const view = options.attributes === 'collected' ? collectAttributes(parser) : undefined;
  const seen: string[] = [];
  const at = () => `${parser.line}:${parser.column}:${parser.position}`;
  parser.on('text', (text) => seen.push(`text ${JSON.stringify(text)} ${at()}`));
  parser.on('opentag', (tag) => {
    let attributes: [string, string][];
    if (view === undefined) {
      attributes = Object.entries(tag.attributes);
    } else {
      const map = new Map<string, string>();
      for (let i = 0; i < view.count; i++) map.set(view.names[i] as string, view.values[i] as string);
      attributes = [...map];
    }
    seen.push(`open ${JSON.stringify(tag.name)} ${JSON.stringify(attributes)} ${tag.isSelfClosing} ${at()}`);
  });
  parser.on('closetag', (tag) => seen.push(`close ${JSON.stringify(tag.name)} ${at()}`));
  if (options.attributeEvents === true) parser.on('attribute', (attribute) => seen.push(`attribute ${JSON.stringify(attribute)} ${at()}`));
  parser.on('comment', (text) => seen.push(`comment ${JSON.stringify(text)} ${at()}`));
  parser.on('cdata', (text) => seen.push(`cdata ${JSON.stringify(text)} ${at()}`));
  parser.on('processinginstruction', (pi) => seen.push(`pi ${JSON.stringify(pi)} ${at()}`));
  parser.on('xmldecl', (decl) => seen.push(`xmldecl ${JSON.stringify(decl)} ${at()}`));
  parser.on('doctype', (doctype) => seen.push(`doctype ${JSON.stringify(doctype)} ${at()}`));
  parser.on('error', (error) => seen.push(`error ${error.message}`));
  parser.on('end', () => seen.push(`end ${at()}`));
  let from = 0;
  for (const cut of [...cuts, xml.length]) {
    parser.write(xml.slice(from, cut));
    from = cut;
  }
  parser.close();
  return seen;
}

/** Cut points for `length` characters fed in `size`-character pieces. */
export function piecesOf(length: number, size: number): number[] {
  const cuts: number[] = [];
  for (let at = size; at < length; at += size) cuts.push(at);
  return cuts;
}
