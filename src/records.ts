/**
 * The typed record model for BeyondTrust RS (SupportSession) and PRA (AccessSession) reports.
 *
 * The parser emits one {@link SessionBundle} each time a `</session>` closes: the session and every
 * child record that belongs to it. A bundle is the unit of idempotent loading (a session and all its
 * children are replaced together), so sinks consume bundles; {@link flattenBundle} turns one into the
 * flat per-kind records that `replay --to jsonl:` prints.
 *
 * Conventions:
 * - Text is kept exactly as the appliance sent it (`Unknown`, IPs with ports, empty strings).
 *   `null` means the element was absent; `''` means it was present and empty.
 * - Times are ISO-8601 UTC strings (`2024-12-03T15:26:05Z`), taken from `@timestamp` (UNIX seconds)
 *   or, failing that, from ISO text; see src/time.ts.
 * - Integers the schema defines as integers are numbers; text that is not an integer is kept in
 *   `extra` (never dropped) and the field is `null`.
 * - Elements the parser does not know are kept in `extra` on the nearest record and counted.
 */
import type { ParseError } from './errors.ts';

/** Which product a report came from: Remote Support or Privileged Remote Access. */
export type Product = 'rs' | 'pra';

/** A session is identified by the site it came from and its lsid, never by lseq. */
export interface SessionKey {
  /** The site hostname (the guide's `session.host_name`). */
  readonly host: string;
  readonly lsid: string;
}

/**
 * Something the report carried that the typed model has no field for. `path` is the element path
 * relative to the record (`info/favourite_colour`, `rep_join_time`, `jumpoint@extra_attr`).
 */
export interface ExtraValue {
  readonly path: string;
  readonly value: string;
}

/** Where a record came from, so errors can point at the input. */
export interface Origin {
  /** File path or URL. */
  readonly source: string;
  /** 1-based line of the session's start tag, when known. */
  readonly line?: number;
  /** 0-based index of the session within its source. */
  readonly index: number;
}

export interface Participant {
  /** `@gsnumber`: per-connection participant id; `0` is the system. Kept as text (mocks use `C123`). */
  readonly gsnumber: string | null;
  /** `@type`: system | representative | customer (PRA docs say endpoint/user; real data says customer). */
  readonly type: string | null;
  /** Element text: the participant's name. */
  readonly name: string | null;
}

export interface CommandShellRecording {
  /** `@instance`, 0-based. */
  readonly instance: number;
  readonly downloadUrl: string | null;
  readonly viewUrl: string | null;
}

export interface SessionRecord {
  readonly kind: 'session';
  readonly key: SessionKey;
  readonly product: Product | null;
  /** `session_type` (the guide's `session.type`). */
  readonly sessionType: string | null;
  readonly lseq: number | null;
  readonly startTime: string | null;
  /** `null` while the session is in progress (or closed abnormally). */
  readonly endTime: string | null;
  /** `HH:MM:SS` as sent. */
  readonly duration: string | null;
  readonly externalKey: string | null;
  readonly publicSiteId: number | null;
  readonly publicSiteName: string | null;
  readonly jumpGroupId: number | null;
  readonly jumpGroupName: string | null;
  /** shared | personal */
  readonly jumpGroupType: string | null;
  readonly jumpointId: number | null;
  readonly jumpointName: string | null;
  readonly fileTransferCount: number | null;
  readonly fileMoveCount: number | null;
  readonly fileDeleteCount: number | null;
  readonly primaryCustomerGsnumber: string | null;
  readonly primaryCustomerName: string | null;
  readonly primaryRepGsnumber: string | null;
  readonly primaryRepId: number | null;
  readonly primaryRepName: string | null;
  readonly chatViewUrl: string | null;
  readonly chatDownloadUrl: string | null;
  readonly recordingViewUrl: string | null;
  readonly recordingDownloadUrl: string | null;
  readonly commandShellRecordings: readonly CommandShellRecording[];
  /** RS: Show My Screen recording instances, when the report lists them. */
  readonly showMyScreenRecordings: readonly CommandShellRecording[];
  readonly extra: readonly ExtraValue[];
}

export interface EventDataValue {
  readonly name: string;
  readonly value: string;
}

export interface EventFile {
  readonly filename: string | null;
  readonly filesize: number | null;
}

export interface EventRecord {
  readonly kind: 'event';
  readonly key: SessionKey;
  /** 0-based position of the event within `session_details`: the event's natural key. */
  readonly seq: number;
  /** `@event_type` */
  readonly type: string | null;
  readonly time: string | null;
  readonly performedBy: Participant | null;
  readonly destination: Participant | null;
  /** `data/value/@name,@value` pairs, in document order. */
  readonly data: readonly EventDataValue[];
  /** `body` text (chat messages, notes). */
  readonly body: string | null;
  /** `encoded_body`, decoded from base64 as UTF-8. */
  readonly encodedBody: string | null;
  readonly filename: string | null;
  readonly filesize: number | null;
  readonly files: readonly EventFile[];
  readonly extra: readonly ExtraValue[];
}

/** One `field` of a system-information category: `@name` (or the older `@id`) and its text. */
export interface SystemInformationField {
  readonly name: string;
  readonly value: string;
}

export interface SystemInformationRecord {
  readonly kind: 'system_information';
  readonly key: SessionKey;
  /** `seq` of the event that carried it. */
  readonly eventSeq: number;
  /** 0-based position of the category within the event. */
  readonly seq: number;
  /** `category/@name` */
  readonly category: string;
  /** `description/field`: column labels. */
  readonly description: readonly SystemInformationField[];
  /** `data/row/field`: one array per row. */
  readonly rows: readonly (readonly SystemInformationField[])[];
  readonly extra: readonly ExtraValue[];
}

/** A representative (RS) or user (PRA): `rep_list/representative`. */
export interface UserRecord {
  readonly kind: 'user';
  readonly key: SessionKey;
  readonly seq: number;
  readonly gsnumber: string | null;
  /** `@id` */
  readonly userId: number | null;
  readonly username: string | null;
  readonly displayName: string | null;
  readonly publicDisplayName: string | null;
  readonly privateDisplayName: string | null;
  readonly displayNumber: number | null;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
  readonly hostname: string | null;
  readonly os: string | null;
  /** `session_owner` (1/0). */
  readonly sessionOwner: boolean | null;
  /** RS `primary_rep` child (1/0); `null` when absent (PRA). Sinks derive the guide's `is_primary` from it or from `session/primary_rep/@gsnumber`. */
  readonly primaryRep: boolean | null;
  readonly secondsInvolved: number | null;
  /** `invited` (1 only when invited). */
  readonly invited: boolean | null;
  readonly extra: readonly ExtraValue[];
}

/** The RS customer `info` block (issue submission form). */
export interface CustomerInfo {
  readonly name: string | null;
  readonly company: string | null;
  readonly companyCode: string | null;
  readonly issue: string | null;
  readonly details: string | null;
  /** Other info fields (custom front-end survey fields), in document order. */
  readonly fields: readonly EventDataValue[];
}

/** A customer (RS) or endpoint (PRA): `customer_list/customer`. */
export interface CustomerRecord {
  readonly kind: 'customer';
  readonly key: SessionKey;
  readonly seq: number;
  readonly gsnumber: string | null;
  readonly username: string | null;
  readonly publicIp: string | null;
  readonly privateIp: string | null;
  readonly hostname: string | null;
  readonly os: string | null;
  /** RS `primary_cust` (1/0). */
  readonly primaryCust: boolean | null;
  /** RS `rpat_support`, if ever present. */
  readonly rpatSupport: boolean | null;
  readonly info: CustomerInfo | null;
  readonly extra: readonly ExtraValue[];
}

/** A team queue the session was assigned to: `team_list/team` (RS). */
export interface TeamRecord {
  readonly kind: 'team';
  readonly key: SessionKey;
  readonly seq: number;
  readonly teamId: number | null;
  readonly name: string | null;
  readonly isPrimary: boolean | null;
  readonly extra: readonly ExtraValue[];
}

export interface CustomAttributeRecord {
  readonly kind: 'custom_attribute';
  readonly key: SessionKey;
  readonly seq: number;
  readonly displayName: string | null;
  readonly codeName: string | null;
  readonly value: string;
}

/** An exit survey (RS): `cust_survey_list/cust_exit_survey` or `rep_survey_list/rep_exit_survey`. */
export interface SurveyRecord {
  readonly kind: 'survey';
  readonly key: SessionKey;
  readonly seq: number;
  readonly surveyType: 'customer' | 'representative';
  readonly gsnumber: string | null;
  readonly values: readonly EventDataValue[];
  readonly extra: readonly ExtraValue[];
}

/** One row of a listing report (`SupportSessionListing` / `AccessSessionListing`). */
export interface SessionSummaryRecord {
  readonly kind: 'session_summary';
  readonly key: SessionKey;
  readonly hasRecording: boolean | null;
  readonly externalKey: string | null;
  readonly extra: readonly ExtraValue[];
}

/**
 * An `<error>` document from the appliance (HTTP 200 with an error body). The text is localized,
 * so callers classify it with src/report-error-kind.ts rather than by equality.
 */
export interface ReportErrorRecord {
  readonly kind: 'report_error';
  /** `@code`, when the appliance sent one. */
  readonly code: string | null;
  readonly message: string;
  readonly origin: Origin;
}

/** Everything that belongs to one session; the unit sinks load and replace atomically. */
export interface SessionBundle {
  readonly session: SessionRecord;
  readonly events: readonly EventRecord[];
  readonly systemInformation: readonly SystemInformationRecord[];
  readonly users: readonly UserRecord[];
  readonly customers: readonly CustomerRecord[];
  readonly teams: readonly TeamRecord[];
  readonly customAttributes: readonly CustomAttributeRecord[];
  readonly surveys: readonly SurveyRecord[];
  /** Number of unknown elements kept in `extra` fields anywhere in this bundle. */
  readonly unknownElements: number;
  /** Approximate size of the session's XML in bytes (for MB/s figures and batch sizing). */
  readonly xmlBytes: number;
  /**
   * The session's XML exactly as the appliance sent it, wrapped in its list root with the original
   * declaration and namespace. Present only when the parser was asked to capture it (file sink).
   */
  readonly rawXml?: string;
  readonly origin: Origin;
}

/** A flat record, as printed one per line by `replay --to jsonl:`. */
export type FlatRecord =
  | SessionRecord
  | EventRecord
  | SystemInformationRecord
  | UserRecord
  | CustomerRecord
  | TeamRecord
  | CustomAttributeRecord
  | SurveyRecord
  | SessionSummaryRecord
  | ReportErrorRecord;

export type RecordKind = FlatRecord['kind'];

/**
 * What a report parser yields, in document order. A `rejected` item is one session the parser could
 * not accept (no lsid, say): it is reported with its location and parsing goes on, so one bad session
 * never costs the others. Damage to the document itself (malformed or truncated XML) is thrown as a
 * ParseError after every complete session before it has been yielded.
 */
export type ReportItem =
  | { readonly type: 'session'; readonly bundle: SessionBundle }
  | { readonly type: 'summary'; readonly summary: SessionSummaryRecord; readonly origin: Origin }
  | { readonly type: 'error'; readonly error: ReportErrorRecord }
  | { readonly type: 'rejected'; readonly error: ParseError; readonly origin: Origin };

/** How many records {@link flattenBundle} yields, without yielding them. */
export function recordCount(bundle: SessionBundle): number {
  return 1 + bundle.events.length + bundle.systemInformation.length + bundle.users.length + bundle.customers.length + bundle.teams.length
    + bundle.customAttributes.length + bundle.surveys.length;
}

/** The bundle's records in a stable order: session, then its children kind by kind. */
export function* flattenBundle(bundle: SessionBundle): Generator<FlatRecord> {
  yield bundle.session;
  yield* bundle.events;
  yield* bundle.systemInformation;
  yield* bundle.users;
  yield* bundle.customers;
  yield* bundle.teams;
  yield* bundle.customAttributes;
  yield* bundle.surveys;
}
