/**
 * The parser's state machine: saxes events in, report items out. It keeps one frame per open
 * element (its code from report-elements.ts and its local name), lets the per-kind mappers
 * (session-fields.ts, party-fields.ts, event-fields.ts) fill the session being read, and hands each
 * finished item to an {@link ItemSink} the moment its element closes: a bundle at `</session>`, a
 * listing row at `</session_summary>`, an appliance `<error>`.
 *
 * Per event it does as little as it can: one table lookup per start tag, one switch per end tag,
 * no allocations beyond the records themselves. Unknown elements and attributes are kept in the
 * `extra` of the nearest record (extra-targets.ts).
 */
import type { SaxesParser, SaxesTagPlain } from 'saxes';
import { ParseError } from '../../src/errors.ts';
import type { Origin, Product, ReportItem, SessionBundle } from '../../src/records.ts';
import { closeEventLeaf, openCategory, openEvent, openEventFile, openRow } from './event-fields.ts';
import { ExtraTargets } from './extra-targets.ts';
import { detach, readFlag, type ExtraCounter } from './leaf-values.ts';
import { emptyOpenRecords, startSession } from './open-records.ts';
import { closePartyLeaf, closeTeam, openCustomer, openCustomerInfo, openSurvey, openTeam, openUser } from './party-fields.ts';
import { newKey, newSummary, type Draft } from './record-drafts.ts';
import * as E from './report-elements.ts';
import { closeSessionLeaf, openRecording, urlHost } from './session-fields.ts';
import { collectAttributes, TagAttributes } from './tag-attributes.ts';
import type { SessionSummaryRecord } from '../../src/records.ts';

/** Receives every item in document order, with the site host its download URLs name (if any). */
export interface ItemSink {
  /** `column`: 1-based column of the item's start tag, for messages. */
  accept(item: ReportItem, urlHost: string | null, column?: number): void;
}

/** Optional capture of each session's source text (see raw-capture.ts). */
export interface SessionTextCapture {
  /** The list root's start tag ended at `end`. */
  rootOpened(end: number): void;
  /** Text before `position` is no longer needed. */
  release(position: number): void;
  /** A session start tag named `qname` ended at `end`. */
  sessionOpened(end: number, qname: string): void;
  /** The session ended at `end`: its text wrapped in the declaration and list root. */
  sessionClosed(end: number, rootQName: string): string;
}

const ROOTS = '<session_list>, <session_summary_list> or <error>';
/** The children of an `<error>` element carry no data of their own. */
const C_ERROR_PART = E.L_ROW_FIELD + 1;

export class ReportBuilder implements ExtraCounter {
  /** Values kept in `extra` in the current session (its `unknownElements`). */
  unknown = 0;
  /** Text position where the most recent session ended (to drop it if its end tag was wrong). */
  lastSessionEnd = -1;
  /** The element name whose end tag closed last (for mismatched-end-tag messages). */
  lastClosedName = '';

  readonly #parser: SaxesParser<{ xmlns: false }>;
  readonly #source: string;
  readonly #sink: ItemSink;
  readonly #capture: SessionTextCapture | undefined;
  #product: Product | null;
  #rootQName = '';

  // One frame per open element, indexed by depth (the document is depth 0).
  #depth = 0;
  readonly #codes: number[] = [E.C_DOC];
  readonly #names: string[] = [''];
  /** Depth of the most recently opened element: equal to the closing depth iff it had no children. */
  #lastOpened = 0;
  #text = '';
  /** Attributes of the start tag being handled (live) and of the open leaf element (a copy). */
  readonly #tagAttributes: TagAttributes;
  readonly #leafAttributes = new TagAttributes();
  readonly #extras = new ExtraTargets();

  readonly #open = emptyOpenRecords();
  #summary: Draft<SessionSummaryRecord> = newSummary(newKey(''), null);
  #errorCode: string | null = null;
  #sessionIndex = 0;
  #summaryIndex = 0;
  #errorIndex = 0;
  // Where the current list item (session, row, error) starts.
  #itemLine = 0;
  #itemColumn = 0;
  #itemStart = 0;

  constructor(parser: SaxesParser<{ xmlns: false }>, source: string, product: Product | null, sink: ItemSink, capture?: SessionTextCapture) {
    this.#parser = parser;
    this.#tagAttributes = collectAttributes(parser);
    this.#source = source;
    this.#product = product;
    this.#sink = sink;
    this.#capture = capture;
  }

  /** Local names of the open elements, outermost first. */
  openElements(): string[] {
    return this.#names.slice(1, this.#depth + 1);
  }

  onText(text: string): void {
    this.#text += text;
  }

  onOpen(tag: SaxesTagPlain): void {
    const parent = this.#codes[this.#depth] as number;
    const depth = ++this.#depth;
    const qname = tag.name;
    const colon = qname.indexOf(':');
    const local = colon === -1 ? qname : qname.slice(colon + 1);
    const attrs = this.#tagAttributes;
    this.#names[depth] = local;
    this.#lastOpened = depth;
    this.#text = '';
    let code: number;
    if (parent >= E.FIRST_LEAF || parent === E.C_UNKNOWN) code = parent === C_ERROR_PART ? C_ERROR_PART : E.C_UNKNOWN;
    else if (E.ONLY_CHILD_NAME[parent] !== undefined) code = local === E.ONLY_CHILD_NAME[parent] ? (E.ONLY_CHILD_CODE[parent] as number) : E.C_UNKNOWN;
    else if (parent === E.C_INFO) code = E.CHILDREN[E.C_INFO]?.get(local) ?? E.L_INFO_FIELD;
    else if (parent === E.C_LIST) code = local === 'session' ? E.C_SESSION : local === 'session_summary' ? E.C_SUMMARY : local === 'error' ? E.C_ERROR : E.C_UNKNOWN;
    else if (parent === E.C_DOC) code = this.#openRoot(local, qname, attrs);
    else if (parent === E.C_ERROR) code = C_ERROR_PART;
    else code = E.CHILDREN[parent]?.get(local) ?? E.C_UNKNOWN;
    this.#codes[depth] = code;
    if (code >= E.FIRST_LEAF) {
      this.#leafAttributes.copyFrom(attrs);
    } else {
      this.#openContainer(code, parent, depth, qname, attrs, tag.isSelfClosing);
      if (code === E.C_UNKNOWN) return; // its attributes are all kept already
    }
    // Attributes nobody asked for are data too. Most elements have none, so the loop is usually empty.
    const known = E.KNOWN_ATTRIBUTES[code];
    for (let i = 0; i < attrs.count; i++) {
      const name = attrs.names[i] as string;
      if ((known === undefined || !known.includes(name)) && !E.isMarkupAttribute(name) && code !== C_ERROR_PART) {
        this.#extras.keep(`${this.#extras.path(depth, this.#names)}@${name}`, attrs.values[i] as string, this);
      }
    }
  }

  #openContainer(code: number, parent: number, depth: number, qname: string, attrs: TagAttributes, selfClosing: boolean): void {
    const open = this.#open;
    switch (code) {
      case E.C_EVENT: this.#extras.push(openEvent(open, attrs, this).extra, depth); break;
      case E.C_ROW: openRow(open); break;
      case E.C_CATEGORY: this.#extras.push(openCategory(open, attrs).extra, depth); break;
      case E.C_FILE: openEventFile(open); break;
      case E.C_CUSTOMER: this.#extras.push(openCustomer(open, attrs).extra, depth); break;
      case E.C_INFO: openCustomerInfo(open); break;
      case E.C_REP: {
        // Pushed first, so an unreadable @id lands in its own extra.
        const user = openUser(open, attrs, this);
        this.#extras.push(user.extra, depth);
        break;
      }
      case E.C_TEAM: this.#extras.push(openTeam(open, attrs, this).extra, depth); break;
      case E.C_SURVEY: this.#extras.push(openSurvey(open, attrs, parent === E.C_CUST_SURVEYS ? 'customer' : 'representative').extra, depth); break;
      case E.C_RECORDING: openRecording(open, attrs, parent === E.C_SMS_RECORDINGS, this, this.#extras.path(depth, this.#names)); break;
      case E.C_SESSION: this.#openSession(qname, attrs, depth, selfClosing); break;
      case E.C_SUMMARY: this.#openSummary(qname, attrs, depth, selfClosing); break;
      case E.C_ERROR:
        this.#errorCode = attrs.get('code') ?? null;
        this.#markItemStart(qname, attrs, selfClosing);
        break;
      case E.C_UNKNOWN: this.#openUnknown(depth, attrs); break;
      default: break;
    }
  }

  onClose(tag: SaxesTagPlain): void {
    const depth = this.#depth;
    const code = this.#codes[depth] as number;
    const text = detach(this.#text);
    this.#text = '';
    this.#depth = depth - 1;
    this.lastClosedName = tag.name;
    if (code < E.FIRST_LEAF) {
      this.#closeContainer(code, depth, text);
      return;
    }
    const attrs = this.#leafAttributes;
    if (code < E.L_CUST_USERNAME) closeSessionLeaf(code, text, attrs, this.#open, this);
    else if (code < E.L_PERFORMED_BY) closePartyLeaf(code, text, attrs, this.#open, this, this.#names[depth] as string, this.#lastOpened === depth);
    else closeEventLeaf(code, text, attrs, this.#open, this, tag.isSelfClosing);
  }

  #closeContainer(code: number, depth: number, text: string): void {
    switch (code) {
      case E.C_EVENT:
      case E.C_CATEGORY:
      case E.C_CUSTOMER:
      case E.C_REP:
      case E.C_SURVEY:
        this.#extras.pop();
        break;
      case E.C_TEAM:
        closeTeam(this.#open, text, this.#lastOpened !== depth);
        this.#extras.pop();
        break;
      case E.C_SESSION:
        this.#extras.pop();
        this.#closeSession();
        break;
      case E.C_SUMMARY:
        this.#extras.pop();
        this.#closeSummary();
        break;
      case E.C_ERROR:
        this.#closeError(text);
        break;
      case E.C_UNKNOWN:
        // A leaf keeps its text (even empty: the element was there); mixed content keeps its tail.
        if (this.#lastOpened === depth || text.trim() !== '') this.#extras.keep(this.#extras.path(depth, this.#names), text, this);
        break;
      case E.C_LIST:
        this.#rejectOrphans();
        break;
      default:
        break;
    }
  }

  #openRoot(local: string, qname: string, attrs: TagAttributes): number {
    this.#rootQName = qname;
    if (local === 'session_list' || local === 'session_summary_list') {
      const namespace = attrs.get('xmlns') ?? (qname === local ? undefined : attrs.get(`xmlns:${qname.slice(0, qname.indexOf(':'))}`));
      if (this.#product === null && namespace !== undefined && namespace.includes('/sra/')) this.#product = 'pra';
      this.#capture?.rootOpened(this.#parser.position);
      return E.C_LIST;
    }
    if (local === 'error') return E.C_ERROR;
    const hint = local.toLowerCase() === 'html' ? ': it looks like a web page (a proxy or login page?), not an appliance report' : '';
    throw new ParseError(
      `root element <${qname}> is not a BeyondTrust report (expected ${ROOTS})${hint}`,
      { source: this.#source, line: this.#parser.line, column: this.#parser.column },
      'not_xml',
    );
  }

  #openSession(qname: string, attrs: TagAttributes, depth: number, selfClosing: boolean): void {
    startSession(this.#open, attrs.get('lsid') ?? '', this.#product);
    this.unknown = 0;
    this.#extras.push(this.#open.session.extra, depth);
    this.#extras.adoptOrphans(this.#open.session.extra, this);
    this.#markItemStart(qname, attrs, selfClosing);
    this.#capture?.sessionOpened(this.#parser.position, qname);
  }

  #closeSession(): void {
    const end = this.#parser.position;
    const origin = this.#origin(this.#sessionIndex++);
    this.lastSessionEnd = end;
    const open = this.#open;
    if (open.key.lsid === '') {
      this.#reject(`session ${origin.index + 1} of this file has no lsid attribute, so it has no key to be stored under: skipped (the other sessions still load)`, origin);
      this.#capture?.release(end);
      return;
    }
    const bundle: SessionBundle = {
      session: open.session,
      events: open.events,
      systemInformation: open.systemInformation,
      users: open.users,
      customers: open.customers,
      teams: open.teams,
      customAttributes: open.customAttributes,
      surveys: open.surveys,
      unknownElements: this.unknown,
      xmlBytes: end - this.#itemStart,
      origin,
      ...(this.#capture ? { rawXml: this.#capture.sessionClosed(end, this.#rootQName) } : {}),
    };
    this.#sink.accept({ type: 'session', bundle }, urlHost(open.session), this.#itemColumn);
  }

  #openSummary(qname: string, attrs: TagAttributes, depth: number, selfClosing: boolean): void {
    this.unknown = 0;
    const summary = newSummary(newKey(attrs.get('lsid') ?? ''), attrs.get('external_key') ?? null);
    this.#extras.push(summary.extra, depth);
    this.#extras.adoptOrphans(summary.extra, this);
    summary.hasRecording = readFlag(attrs.get('has_recording'), summary.extra, this, '@has_recording');
    this.#summary = summary;
    this.#markItemStart(qname, attrs, selfClosing);
  }

  #closeSummary(): void {
    const origin = this.#origin(this.#summaryIndex++);
    if (this.#summary.key.lsid === '') {
      this.#reject(`listing row ${origin.index + 1} of this file (<session_summary>) has no lsid attribute: skipped`, origin);
      return;
    }
    this.#sink.accept({ type: 'summary', summary: this.#summary, origin }, null, this.#itemColumn);
  }

  #closeError(text: string): void {
    const origin = this.#origin(this.#errorIndex++);
    this.#sink.accept({ type: 'error', error: { kind: 'report_error', code: this.#errorCode, message: text.trim(), origin } }, null);
  }

  #reject(reason: string, origin: Origin): void {
    const error = new ParseError(reason, { source: this.#source, line: this.#itemLine, column: this.#itemColumn }, 'session_invalid');
    this.#sink.accept({ type: 'rejected', error, origin }, null);
  }

  #openUnknown(depth: number, attrs: TagAttributes): void {
    const path = this.#extras.path(depth, this.#names);
    if (!this.#extras.insideRecord && !this.#extras.hasOrphans) this.#extras.orphanLine = this.#parser.line;
    for (let i = 0; i < attrs.count; i++) {
      const name = attrs.names[i] as string;
      if (!E.isMarkupAttribute(name)) this.#extras.keep(`${path}@${name}`, attrs.values[i] as string, this);
    }
  }

  /** Unknown list-level elements after the last item have no record to live on: say so. */
  #rejectOrphans(): void {
    if (!this.#extras.hasOrphans) return;
    const line = this.#extras.orphanLine;
    const reason = `unknown element(s) ${this.#extras.takeOrphanElements().join(', ')} after the last session have no session to be kept with: not loaded`;
    const origin: Origin = { source: this.#source, line, index: this.#sessionIndex };
    this.#sink.accept({ type: 'rejected', error: new ParseError(reason, { source: this.#source, line }, 'session_invalid'), origin }, null);
  }

  /** Where the current list item (session, row, error) starts: its start tag just ended. */
  #markItemStart(qname: string, attrs: TagAttributes, selfClosing: boolean): void {
    // The start tag's length, as usually written (`<name a="v">`): exact positions would cost a
    // saxes event per element, and these only feed messages and size estimates.
    let length = qname.length + (selfClosing ? 3 : 2);
    for (let i = 0; i < attrs.count; i++) length += (attrs.names[i] as string).length + (attrs.values[i] as string).length + 4;
    const parser = this.#parser;
    this.#itemLine = parser.line;
    this.#itemColumn = Math.max(1, parser.column - length + 1);
    this.#itemStart = parser.position - length;
  }

  #origin(index: number): Origin {
    return { source: this.#source, line: this.#itemLine, index };
  }
}
