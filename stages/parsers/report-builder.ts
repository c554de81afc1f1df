/**
 * The parser's state machine: saxes events in, report items out. It keeps one frame per open
 * element (its code from report-elements.ts, local name and attributes), fills the drafts of the
 * session being read, and hands each finished item to an {@link ItemSink} the moment its element
 * closes: a bundle at `</session>`, a listing row at `</session_summary>`, an appliance `<error>`.
 *
 * Per event it does as little as it can: no closures or allocations beyond the records themselves,
 * one table lookup per start tag, one switch per end tag. Unknown elements and attributes are kept
 * in the `extra` of the nearest record, under their path relative to it.
 */
import type { SaxesParser, SaxesTagPlain } from 'saxes';
import { ParseError } from '../../src/errors.ts';
import type { ExtraValue, Origin, Product, ReportItem, SessionBundle } from '../../src/records.ts';
import { detach, keepExtra, readBase64, readFlag, readInteger, readTime, type ExtraCounter } from './leaf-values.ts';
import * as E from './report-elements.ts';
import { collectAttributes, TagAttributes } from './tag-attributes.ts';
import {
  newCustomer, newCustomerInfo, newEvent, newEventFile, newKey, newRecording, newSession, newSummary, newSurvey,
  newSystemInformation, newTeam, newUser,
  type CustomerDraft, type Draft, type MutableKey, type SystemInformationDraft,
} from './record-drafts.ts';
import type {
  CommandShellRecording, CustomAttributeRecord, EventFile, EventRecord, SessionRecord, SessionSummaryRecord, SurveyRecord,
  SystemInformationField, TeamRecord, UserRecord,
} from '../../src/records.ts';

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
  unknown = 0;
  readonly #parser: SaxesParser<{ xmlns: false }>;
  readonly #source: string;
  readonly #sink: ItemSink;
  readonly #capture: SessionTextCapture | undefined;
  #product: Product | null;

  // One frame per open element, indexed by depth (the document is depth 0).
  #depth = 0;
  readonly #codes: number[] = [E.C_DOC];
  readonly #names: string[] = [''];
  /** Attributes of the start tag being handled (live) and of the open leaf element (a copy). */
  readonly #tagAttributes: TagAttributes;
  readonly #leafAttributes = new TagAttributes();
  /** Depth of the most recently opened element: equal to the closing depth iff it had no children. */
  #lastOpened = 0;
  #text = '';
  #rootQName = '';

  // Where unknown elements go: the nearest enclosing record's `extra` and its depth.
  readonly #targets: ExtraValue[][] = [];
  readonly #targetDepths: number[] = [];
  /** Unknown elements met outside any record, waiting for the next one. */
  #orphans: ExtraValue[] = [];
  #orphanLine = 0;

  #sessionIndex = 0;
  #summaryIndex = 0;
  #errorIndex = 0;
  #itemLine = 0;
  #itemColumn = 0;
  #itemStart = 0;
  /** Text position where the most recent session ended (to drop it if its end tag was wrong). */
  lastSessionEnd = -1;
  /** The element name whose end tag closed last (for mismatched-end-tag messages). */
  lastClosedName = '';

  // The session being read, and its current children.
  #key: MutableKey = newKey('');
  #session: Draft<SessionRecord> = newSession(this.#key, null);
  #events: EventRecord[] = [];
  #systemInformation: SystemInformationDraft[] = [];
  #users: UserRecord[] = [];
  #customers: CustomerDraft[] = [];
  #teams: TeamRecord[] = [];
  #customAttributes: CustomAttributeRecord[] = [];
  #surveys: SurveyRecord[] = [];
  #recording: Draft<CommandShellRecording> = newRecording(0);
  #customer: CustomerDraft = newCustomer(this.#key, 0, null);
  #user: Draft<UserRecord> = newUser(this.#key, 0, null);
  #team: Draft<TeamRecord> = newTeam(this.#key, 0);
  #survey: Draft<SurveyRecord> = newSurvey(this.#key, 0, 'customer', null);
  #event: Draft<EventRecord> = newEvent(this.#key, 0, null);
  #file: Draft<EventFile> = newEventFile();
  #category: SystemInformationDraft = newSystemInformation(this.#key, 0, 0, '');
  #categorySeq = 0;
  #row: SystemInformationField[] = [];
  #summary: Draft<SessionSummaryRecord> = newSummary(this.#key, null);
  #errorCode: string | null = null;

  constructor(parser: SaxesParser<{ xmlns: false }>, source: string, product: Product | null, sink: ItemSink, capture?: SessionTextCapture) {
    this.#parser = parser;
    this.#tagAttributes = collectAttributes(parser);
    this.#source = source;
    this.#product = product;
    this.#sink = sink;
    this.#capture = capture;
  }

  /** The qualified name of the document's root element ('' before it opened). */
  get rootQName(): string {
    return this.#rootQName;
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
    if (parent >= E.FIRST_LEAF || parent === E.C_UNKNOWN) code = parent === E.C_ERROR || parent === C_ERROR_PART ? C_ERROR_PART : E.C_UNKNOWN;
    else if (parent === E.C_INFO) code = E.CHILDREN[E.C_INFO]?.get(local) ?? E.L_INFO_FIELD;
    else if (parent === E.C_LIST) code = local === 'session' ? E.C_SESSION : local === 'session_summary' ? E.C_SUMMARY : local === 'error' ? E.C_ERROR : E.C_UNKNOWN;
    else if (parent === E.C_DOC) code = this.#openRoot(local, qname, attrs);
    else if (parent === E.C_ERROR) code = C_ERROR_PART;
    else if (E.ONLY_CHILD_NAME[parent] !== undefined) code = local === E.ONLY_CHILD_NAME[parent] ? (E.ONLY_CHILD_CODE[parent] as number) : E.C_UNKNOWN;
    else code = E.CHILDREN[parent]?.get(local) ?? E.C_UNKNOWN;
    this.#codes[depth] = code;
    if (code >= E.FIRST_LEAF) this.#leafAttributes.copyFrom(attrs);

    switch (code) {
      case E.C_EVENT: {
        const event = newEvent(this.#key, this.#events.length, attrs.get('event_type') ?? null);
        this.#pushTarget(event.extra, depth);
        const stamp = attrs.get('timestamp');
        if (stamp !== undefined) event.time = readTime(stamp, null, event.extra, this, '');
        this.#events.push(event);
        this.#event = event;
        this.#categorySeq = 0;
        break;
      }
      case E.C_ROW:
        this.#row = [];
        this.#category.rows.push(this.#row);
        break;
      case E.C_CATEGORY: {
        const category = newSystemInformation(this.#key, this.#event.seq, this.#categorySeq++, attrs.get('name') ?? '');
        this.#pushTarget(category.extra, depth);
        this.#systemInformation.push(category);
        this.#category = category;
        break;
      }
      case E.C_FILE:
        this.#file = newEventFile();
        this.#event.files.push(this.#file);
        break;
      case E.C_SESSION:
        this.#openSession(qname, attrs, tag.isSelfClosing);
        break;
      case E.C_CUSTOMER:
        this.#customer = newCustomer(this.#key, this.#customers.length, attrs.get('gsnumber') ?? null);
        this.#pushTarget(this.#customer.extra, depth);
        this.#customers.push(this.#customer);
        break;
      case E.C_INFO:
        this.#customer.info = newCustomerInfo();
        break;
      case E.C_REP: {
        const user = newUser(this.#key, this.#users.length, attrs.get('gsnumber') ?? null);
        this.#pushTarget(user.extra, depth);
        user.userId = readInteger(attrs.get('id'), user.extra, this, '@id');
        this.#users.push(user);
        this.#user = user;
        break;
      }
      case E.C_TEAM:
        this.#openTeam(attrs, depth);
        break;
      case E.C_SURVEY: {
        const survey = newSurvey(this.#key, this.#surveys.length, parent === E.C_CUST_SURVEYS ? 'customer' : 'representative', attrs.get('gsnumber') ?? null);
        this.#pushTarget(survey.extra, depth);
        this.#surveys.push(survey);
        this.#survey = survey;
        break;
      }
      case E.C_RECORDING: {
        const list = parent === E.C_SHELL_RECORDINGS ? this.#session.commandShellRecordings : this.#session.showMyScreenRecordings;
        const instance = readInteger(attrs.get('instance'), this.#session.extra, this, `${this.#path(depth)}@instance`);
        this.#recording = newRecording(instance ?? list.length);
        list.push(this.#recording);
        break;
      }
      case E.C_SUMMARY:
        this.#openSummary(qname, attrs, depth, tag.isSelfClosing);
        break;
      case E.C_ERROR:
        this.#errorCode = attrs.get('code') ?? null;
        this.#markItemStart(qname, attrs, tag.isSelfClosing);
        break;
      case E.C_UNKNOWN:
        this.#openUnknown(depth, attrs);
        return;
      default:
        break;
    }
    // Attributes nobody asked for are data too. Most elements have none, so the loop is usually empty.
    const known = E.KNOWN_ATTRIBUTES[code];
    for (let i = 0; i < attrs.count; i++) {
      const name = attrs.names[i] as string;
      if ((known === undefined || !known.includes(name)) && !E.isMarkupAttribute(name) && code !== C_ERROR_PART) {
        this.#keep(`${this.#path(depth)}@${name}`, attrs.values[i] as string);
      }
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
    const session = this.#session;
    switch (code) {
      case E.L_SESSION_TYPE: session.sessionType = text; break;
      case E.L_LSEQ: session.lseq = readInteger(text, session.extra, this, 'lseq'); break;
      case E.L_START_TIME: session.startTime = readTime(attrs.get('timestamp'), text, session.extra, this, 'start_time'); break;
      case E.L_END_TIME: session.endTime = readTime(attrs.get('timestamp'), text, session.extra, this, 'end_time'); break;
      case E.L_DURATION: session.duration = text; break;
      case E.L_PUBLIC_SITE:
        session.publicSiteId = readInteger(attrs.get('id'), session.extra, this, 'public_site@id');
        session.publicSiteName = text;
        break;
      case E.L_EXTERNAL_KEY: session.externalKey = text; break;
      case E.L_CUSTOM_ATTRIBUTE:
        this.#customAttributes.push({
          kind: 'custom_attribute', key: this.#key, seq: this.#customAttributes.length,
          displayName: attrs.get('display_name') ?? null, codeName: attrs.get('code_name') ?? null, value: text,
        });
        break;
      case E.L_CHAT_VIEW_URL: session.chatViewUrl = text; break;
      case E.L_CHAT_DOWNLOAD_URL: session.chatDownloadUrl = text; break;
      case E.L_RECORDING_VIEW_URL: session.recordingViewUrl = text; break;
      case E.L_RECORDING_DOWNLOAD_URL: session.recordingDownloadUrl = text; break;
      case E.L_FILE_TRANSFER_COUNT: session.fileTransferCount = readInteger(text, session.extra, this, 'file_transfer_count'); break;
      case E.L_FILE_MOVE_COUNT: session.fileMoveCount = readInteger(text, session.extra, this, 'file_move_count'); break;
      case E.L_FILE_DELETE_COUNT: session.fileDeleteCount = readInteger(text, session.extra, this, 'file_delete_count'); break;
      case E.L_PRIMARY_CUSTOMER:
        session.primaryCustomerGsnumber = attrs.get('gsnumber') ?? null;
        session.primaryCustomerName = text;
        break;
      case E.L_PRIMARY_REP:
        session.primaryRepGsnumber = attrs.get('gsnumber') ?? null;
        session.primaryRepId = readInteger(attrs.get('id'), session.extra, this, 'primary_rep@id');
        session.primaryRepName = text;
        break;
      case E.L_JUMP_GROUP:
        session.jumpGroupType = attrs.get('type') ?? null;
        session.jumpGroupId = readInteger(attrs.get('id'), session.extra, this, 'jump_group@id');
        session.jumpGroupName = text;
        break;
      case E.L_JUMPOINT:
        session.jumpointId = readInteger(attrs.get('id'), session.extra, this, 'jumpoint@id');
        session.jumpointName = text;
        break;
      case E.L_REC_DOWNLOAD_URL: this.#recording.downloadUrl = text; break;
      case E.L_REC_VIEW_URL: this.#recording.viewUrl = text; break;
      default:
        this.#closePartyLeaf(code, text, depth, tag.isSelfClosing);
    }
  }

  /** Leaves of customers, users, teams, surveys and events. */
  #closePartyLeaf(code: number, text: string, depth: number, selfClosing: boolean): void {
    const attrs = this.#leafAttributes;
    const customer = this.#customer;
    const user = this.#user;
    const event = this.#event;
    switch (code) {
      case E.L_PERFORMED_BY:
        event.performedBy = { gsnumber: attrs.get('gsnumber') ?? null, type: attrs.get('type') ?? null, name: selfClosing ? null : text };
        break;
      case E.L_DESTINATION:
        event.destination = { gsnumber: attrs.get('gsnumber') ?? null, type: attrs.get('type') ?? null, name: selfClosing ? null : text };
        break;
      case E.L_DATA_VALUE: event.data.push({ name: attrs.get('name') ?? '', value: attrs.get('value') ?? text }); break;
      case E.L_BODY: event.body = text; break;
      case E.L_ENCODED_BODY: event.encodedBody = readBase64(text, event.extra, this, 'encoded_body'); break;
      case E.L_EVENT_FILENAME: event.filename = text; break;
      case E.L_EVENT_FILESIZE: event.filesize = readInteger(text, event.extra, this, 'filesize'); break;
      case E.L_FILE_FILENAME: this.#file.filename = text; break;
      case E.L_FILE_FILESIZE: this.#file.filesize = readInteger(text, event.extra, this, 'files/file/filesize'); break;
      case E.L_DESCRIPTION_FIELD: this.#category.description.push({ name: attrs.get('name') ?? attrs.get('id') ?? '', value: text }); break;
      case E.L_ROW_FIELD: this.#row.push({ name: attrs.get('name') ?? attrs.get('id') ?? '', value: text }); break;
      case E.L_REP_USERNAME: user.username = text; break;
      case E.L_REP_DISPLAY_NAME: user.displayName = text; break;
      case E.L_REP_PUBLIC_DISPLAY_NAME: user.publicDisplayName = text; break;
      case E.L_REP_PRIVATE_DISPLAY_NAME: user.privateDisplayName = text; break;
      case E.L_REP_DISPLAY_NUMBER: user.displayNumber = readInteger(text, user.extra, this, 'display_number'); break;
      case E.L_REP_PUBLIC_IP: user.publicIp = text; break;
      case E.L_REP_PRIVATE_IP: user.privateIp = text; break;
      case E.L_REP_HOSTNAME: user.hostname = text; break;
      case E.L_REP_OS: user.os = text; break;
      case E.L_REP_SESSION_OWNER: user.sessionOwner = readFlag(text, user.extra, this, 'session_owner'); break;
      case E.L_REP_PRIMARY: user.primaryRep = readFlag(text, user.extra, this, 'primary_rep'); break;
      case E.L_REP_SECONDS: user.secondsInvolved = readInteger(text, user.extra, this, 'seconds_involved'); break;
      case E.L_REP_INVITED: user.invited = readFlag(text, user.extra, this, 'invited'); break;
      case E.L_CUST_USERNAME: customer.username = text; break;
      case E.L_CUST_PUBLIC_IP: customer.publicIp = text; break;
      case E.L_CUST_PRIVATE_IP: customer.privateIp = text; break;
      case E.L_CUST_HOSTNAME: customer.hostname = text; break;
      case E.L_CUST_OS: customer.os = text; break;
      case E.L_CUST_PRIMARY: customer.primaryCust = readFlag(text, customer.extra, this, 'primary_cust'); break;
      case E.L_CUST_RPAT: customer.rpatSupport = readFlag(text, customer.extra, this, 'rpat_support'); break;
      default:
        this.#closeInfoOrTeamLeaf(code, text, depth);
    }
  }

  #closeInfoOrTeamLeaf(code: number, text: string, depth: number): void {
    const info = this.#customer.info;
    const team = this.#team;
    switch (code) {
      case E.L_INFO_NAME: if (info) info.name = text; break;
      case E.L_INFO_COMPANY: if (info) info.company = text; break;
      case E.L_INFO_COMPANY_CODE: if (info) info.companyCode = text; break;
      case E.L_INFO_ISSUE: if (info) info.issue = text; break;
      case E.L_INFO_DETAILS: if (info) info.details = text; break;
      case E.L_INFO_FIELD:
        // A leaf is a survey field; anything deeper went to `extra` as unknown elements.
        if (info && this.#lastOpened === depth) info.fields.push({ name: this.#names[depth] as string, value: text });
        break;
      case E.L_TEAM_ID: team.teamId = readInteger(text, team.extra, this, this.#names[depth] as string); break;
      case E.L_TEAM_NAME: team.name = text; break;
      case E.L_TEAM_PRIMARY: team.isPrimary = readFlag(text, team.extra, this, this.#names[depth] as string); break;
      case E.L_SURVEY_VALUE: {
        const attrs = this.#leafAttributes;
        this.#survey.values.push({ name: attrs.get('name') ?? '', value: attrs.get('value') ?? text });
        break;
      }
      default:
        break; // C_ERROR_PART: text of markup inside an <error>
    }
  }

  #closeContainer(code: number, depth: number, text: string): void {
    switch (code) {
      case E.C_EVENT:
      case E.C_CATEGORY:
      case E.C_CUSTOMER:
      case E.C_REP:
      case E.C_SURVEY:
        this.#popTarget();
        break;
      case E.C_TEAM:
        if (this.#team.name === null && this.#lastOpened === depth) this.#team.name = text;
        this.#popTarget();
        break;
      case E.C_SESSION:
        this.#popTarget();
        this.#closeSession();
        break;
      case E.C_SUMMARY:
        this.#popTarget();
        this.#closeSummary();
        break;
      case E.C_ERROR:
        this.#closeError(text);
        break;
      case E.C_UNKNOWN:
        // A leaf keeps its text (even empty: the element was there); mixed content keeps its tail.
        if (this.#lastOpened === depth || text.trim() !== '') this.#keep(this.#path(depth), text);
        break;
      case E.C_LIST:
        this.#releaseOrphans();
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

  #openSession(qname: string, attrs: TagAttributes, selfClosing: boolean): void {
    this.#key = newKey(attrs.get('lsid') ?? '');
    this.#session = newSession(this.#key, this.#product);
    this.#events = [];
    this.#systemInformation = [];
    this.#users = [];
    this.#customers = [];
    this.#teams = [];
    this.#customAttributes = [];
    this.#surveys = [];
    this.unknown = 0;
    this.#pushTarget(this.#session.extra, this.#depth);
    this.#adoptOrphans(this.#session.extra);
    this.#markItemStart(qname, attrs, selfClosing);
    this.#capture?.sessionOpened(this.#parser.position, qname);
  }

  #closeSession(): void {
    const end = this.#parser.position;
    const origin = this.#origin(this.#sessionIndex++);
    this.lastSessionEnd = end;
    const session = this.#session;
    if (session.key.lsid === '') {
      const reason = `session ${origin.index + 1} of this file has no lsid attribute, so it has no key to be stored under: skipped (the other sessions still load)`;
      this.#sink.accept({ type: 'rejected', error: new ParseError(reason, { source: this.#source, line: this.#itemLine, column: this.#itemColumn }, 'session_invalid'), origin }, null);
      if (this.#capture) this.#capture.release(end);
      return;
    }
    const bundle: SessionBundle = {
      session,
      events: this.#events,
      systemInformation: this.#systemInformation,
      users: this.#users,
      customers: this.#customers,
      teams: this.#teams,
      customAttributes: this.#customAttributes,
      surveys: this.#surveys,
      unknownElements: this.unknown,
      xmlBytes: end - this.#itemStart,
      origin,
      ...(this.#capture ? { rawXml: this.#capture.sessionClosed(end, this.#rootQName) } : {}),
    };
    this.#sink.accept({ type: 'session', bundle }, urlHost(session), this.#itemColumn);
  }

  #openTeam(attrs: TagAttributes, depth: number): void {
    const team = newTeam(this.#key, this.#teams.length);
    this.#pushTarget(team.extra, depth);
    const id = attrs.get('id') ?? attrs.get('team_id');
    if (id !== undefined) team.teamId = readInteger(id, team.extra, this, attrs.get('id') === undefined ? '@team_id' : '@id');
    team.name = attrs.get('name') ?? null;
    const primaryName = attrs.get('primary') !== undefined ? 'primary' : attrs.get('primary_team') !== undefined ? 'primary_team' : 'is_primary';
    if (attrs.get(primaryName) !== undefined) team.isPrimary = readFlag(attrs.get(primaryName), team.extra, this, `@${primaryName}`);
    this.#teams.push(team);
    this.#team = team;
  }

  #openSummary(qname: string, attrs: TagAttributes, depth: number, selfClosing: boolean): void {
    this.#key = newKey(attrs.get('lsid') ?? '');
    this.unknown = 0;
    const summary = newSummary(this.#key, attrs.get('external_key') ?? null);
    this.#pushTarget(summary.extra, depth);
    this.#adoptOrphans(summary.extra);
    summary.hasRecording = readFlag(attrs.get('has_recording'), summary.extra, this, '@has_recording');
    this.#summary = summary;
    this.#markItemStart(qname, attrs, selfClosing);
  }

  #closeSummary(): void {
    const origin = this.#origin(this.#summaryIndex++);
    if (this.#summary.key.lsid === '') {
      const reason = `listing row ${origin.index + 1} of this file (<session_summary>) has no lsid attribute: skipped`;
      this.#sink.accept({ type: 'rejected', error: new ParseError(reason, { source: this.#source, line: this.#itemLine, column: this.#itemColumn }, 'session_invalid'), origin }, null);
      return;
    }
    this.#sink.accept({ type: 'summary', summary: this.#summary, origin }, null, this.#itemColumn);
  }

  #closeError(text: string): void {
    const origin = this.#origin(this.#errorIndex++);
    this.#sink.accept({ type: 'error', error: { kind: 'report_error', code: this.#errorCode, message: text.trim(), origin } }, null);
  }

  #openUnknown(depth: number, attrs: TagAttributes): void {
    const path = this.#path(depth);
    if (this.#targets.length === 0 && this.#orphans.length === 0) this.#orphanLine = this.#parser.line;
    for (let i = 0; i < attrs.count; i++) {
      const name = attrs.names[i] as string;
      if (!E.isMarkupAttribute(name)) this.#keep(`${path}@${name}`, attrs.values[i] as string);
    }
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

  #pushTarget(extra: ExtraValue[], depth: number): void {
    this.#targets.push(extra);
    this.#targetDepths.push(depth);
  }

  #popTarget(): void {
    this.#targets.pop();
    this.#targetDepths.pop();
  }

  /** The element at `depth`, as a path relative to the nearest record (absolute when there is none). */
  #path(depth: number): string {
    const base = this.#targetDepths.length === 0 ? 0 : (this.#targetDepths[this.#targetDepths.length - 1] as number);
    let path = base === 0 ? '' : undefined;
    for (let d = base + 1; d <= depth; d++) path = path === undefined ? this.#names[d] : `${path}/${this.#names[d]}`;
    return path ?? '';
  }

  #keep(path: string, value: string): void {
    const target = this.#targets[this.#targets.length - 1];
    if (target === undefined) this.#orphans.push({ path, value });
    else keepExtra(target, this, path, value);
  }

  #adoptOrphans(extra: ExtraValue[]): void {
    if (this.#orphans.length === 0) return;
    for (const orphan of this.#orphans) keepExtra(extra, this, orphan.path, orphan.value);
    this.#orphans = [];
  }

  /** Unknown list-level elements after the last item have no record to live on: say so. */
  #releaseOrphans(): void {
    if (this.#orphans.length === 0) return;
    const paths = [...new Set(this.#orphans.map((orphan) => orphan.path.replace(/@.*$/, '')))].join(', ');
    const reason = `unknown element(s) ${paths} after the last session have no session to be kept with: not loaded`;
    const origin: Origin = { source: this.#source, line: this.#orphanLine, index: this.#sessionIndex };
    this.#sink.accept({ type: 'rejected', error: new ParseError(reason, { source: this.#source, line: this.#orphanLine }, 'session_invalid'), origin }, null);
    this.#orphans = [];
  }
}

/** The site host named by a session's download URLs (they all point at the site it ran on). */
export function urlHost(session: SessionRecord): string | null {
  const url = session.chatDownloadUrl ?? session.chatViewUrl ?? session.recordingDownloadUrl ?? session.recordingViewUrl
    ?? session.commandShellRecordings[0]?.downloadUrl ?? session.commandShellRecordings[0]?.viewUrl
    ?? session.showMyScreenRecordings[0]?.downloadUrl ?? session.showMyScreenRecordings[0]?.viewUrl;
  if (!url) return null;
  try {
    const host = new URL(url.trim()).hostname;
    return host === '' ? null : host;
  } catch {
    return null;
  }
}
