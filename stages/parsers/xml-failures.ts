/**
 * Turns what saxes (and the document checks around it) find wrong into one clear ParseError line:
 * `file:line:column: what is wrong`, with a code that tells a truncated download from malformed XML,
 * a file that is not XML at all, and entity declarations (refused, never expanded).
 */
import { ParseError, type InputLocation } from '../../src/errors.ts';

export interface FailureContext {
  readonly location: InputLocation;
  /** The input has ended (saxes' close-time checks). */
  readonly atEnd: boolean;
  /** Whether the root element has opened. */
  readonly sawRoot: boolean;
  /** Local names of the elements still open, outermost first. */
  readonly open: readonly string[];
  /** The element whose end tag saxes matched last (the one a mismatched end tag should have closed). */
  readonly lastClosed: string;
}

/** saxes messages read `12:7: unclosed tag: x`; the location is rebuilt from the parser instead. */
function bareReason(message: string): string {
  return message.replace(/^(?:[^\n]*?:)?\d+:\d+: /, '').replace(/\.$/, '');
}

export function xmlFailure(message: string, context: FailureContext): ParseError {
  const reason = bareReason(message);
  const { location } = context;
  if (context.atEnd) {
    if (!context.sawRoot) return new ParseError('no XML root element: the file is empty or holds only an XML declaration', location, 'not_xml');
    if (reason.startsWith('unclosed tag') || reason === 'unexpected end') {
      const open = context.open.length === 0 ? '' : ` inside <${context.open.at(-1)}>`;
      const unclosed = context.open.length > 1 ? ` (unclosed: ${context.open.map((name) => `<${name}>`).join(' ')})` : '';
      return new ParseError(`the file ends${open}${unclosed}: it is truncated (an interrupted download or copy?)`, location, 'xml_truncated');
    }
  }
  if (reason === 'text data outside of root node') {
    return context.sawRoot
      ? new ParseError('text after the end of the root element: the report should end there', location, 'xml_malformed')
      : new ParseError('not an XML document: text before the first element', location, 'not_xml');
  }
  if (reason === 'unexpected close tag') {
    return new ParseError(`mismatched end tag: </${context.lastClosed}> was expected here`, location, 'xml_malformed');
  }
  if (reason === 'undefined entity') {
    return new ParseError('undefined entity reference: XML reports use only &amp; &lt; &gt; &quot; &apos; and &#…; character references', location, 'xml_malformed');
  }
  if (reason === 'documents may contain only one root') {
    return new ParseError('a second root element: a report has exactly one', location, 'xml_malformed');
  }
  return new ParseError(`malformed XML: ${reason}`, location, 'xml_malformed');
}

/**
 * DOCTYPEs are refused when they declare entities or point at an external DTD: reports never carry
 * either, saxes would not expand them anyway, and refusing them outright rules out entity-expansion
 * and external-entity attacks instead of relying on how a later component treats them.
 */
export function doctypeFailure(doctype: string, location: InputLocation): ParseError | undefined {
  if (/<!ENTITY/i.test(doctype)) {
    return new ParseError('the DOCTYPE declares entities (<!ENTITY …>); reports never do, and sra-etl refuses them rather than expand them', location, 'xml_entity');
  }
  const externalId = doctype.split('[', 1)[0] ?? '';
  if (/\b(SYSTEM|PUBLIC)\b/.test(externalId)) {
    return new ParseError('the DOCTYPE refers to an external DTD; sra-etl never loads external resources, and reports never need one', location, 'xml_entity');
  }
  return undefined;
}

/** The start of a document that cannot be XML: `{"error": …}`, `PK…` (zip), plain text. */
export function notXmlFailure(firstText: string, location: InputLocation): ParseError {
  const shown = JSON.stringify(firstText.trimStart().slice(0, 20));
  const hint = firstText.trimStart().startsWith('{') || firstText.trimStart().startsWith('[') ? ' (it looks like JSON)' : '';
  return new ParseError(`not an XML document: it starts with ${shown}${hint}, where "<" was expected`, location, 'not_xml');
}
