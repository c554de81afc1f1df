/**
 * The storage schema, once, for every dialect: the Integration Client guide's tables and columns
 * (RS and PRA "SQL Server Storage Database") plus the additions that keep everything else a report
 * carries. Dialects render DDL, staging tables and merge statements from this model; the row builder
 * fills its tables in column order. `guide: true` marks a table or column the guide defines (same
 * name, same meaning); everything else is an sra-etl addition and is nullable.
 *
 * Every table has an `id` identity. A child table links to its parent by the guide's `<parent>_id`
 * column and has a natural key `(parent_id, seq)` (`seq` = position in the report), which is how a
 * reload replaces children and how grandchildren find their parents' new ids without OUTPUT clauses.
 * The session's natural key is `(host_name, lsid)`, never `lseq`.
 */

/** Logical column types; each dialect maps them to its own SQL types. */
export type ColumnType =
  /** Bounded text; `maxLength` in UTF-16 code units (SQL Server's nvarchar(n) unit, JS `.length`). */
  | 'text'
  /** Unbounded text (nvarchar(max) / text). */
  | 'longtext'
  /** 32-bit integer. */
  | 'int'
  /** 64-bit integer. */
  | 'bigint'
  /** 1 or 0: the guide's "Integer value (1 or 0)" flags. */
  | 'flag'
  /** A UTC instant with second precision. */
  | 'time';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** For `text`: the longest value accepted, in UTF-16 code units. */
  readonly maxLength?: number;
  /** Default true; only key columns are NOT NULL. */
  readonly nullable?: boolean;
  /** True when the guide defines this column (name and meaning). */
  readonly guide: boolean;
  /** Where the value comes from in the report, for the README and error messages. */
  readonly source: string;
}

export interface TableSpec {
  readonly name: string;
  readonly guide: boolean;
  /** null for `session`; otherwise the parent table and the guide's link column. */
  readonly parent: { readonly table: string; readonly column: string } | null;
  /** Data columns in staging order (no `id`, no parent link, no `seq`). */
  readonly columns: readonly ColumnSpec[];
  /** What one row is. */
  readonly description: string;
}

/** The schema version this code writes; `schema_version` holds the versions applied. */
export const SCHEMA_VERSION = 1;

/** Short strings the appliance sends: names, hosts, gsnumbers. Longer values are rejected with a clear error. */
const NAME = 255;
const GSNUMBER = 64;
const IP = 64;
const URL = 2048;

const g = (name: string, type: ColumnType, source: string, maxLength?: number): ColumnSpec =>
  maxLength === undefined ? { name, type, guide: true, source } : { name, type, guide: true, source, maxLength };
const a = (name: string, type: ColumnType, source: string, maxLength?: number): ColumnSpec =>
  maxLength === undefined ? { name, type, guide: false, source } : { name, type, guide: false, source, maxLength };

const EXTRA = a('extra', 'longtext', 'elements and attributes the parser did not know: JSON array of {path, value}');

export const SESSION: TableSpec = {
  name: 'session',
  guide: true,
  parent: null,
  description: 'one BeyondTrust session',
  columns: [
    { ...g('lsid', 'text', 'session/@lsid', 64), nullable: false },
    { ...g('host_name', 'text', 'the site hostname the report came from (not in the XML)', NAME), nullable: false },
    g('type', 'text', 'session_type', 64),
    g('start_time', 'time', 'start_time/@timestamp (UTC)'),
    g('end_time', 'time', 'end_time/@timestamp (UTC); NULL while in progress or after an abnormal close'),
    g('duration', 'text', 'duration (HH:MM:SS as sent)', 32),
    g('file_transfers', 'int', 'file_transfer_count'),
    g('external_key', 'text', 'external_key (empty element stored as an empty string)', 1024),
    g('public_site_id', 'int', 'public_site/@id (RS)'),
    g('public_site_name', 'text', 'public_site (RS)', NAME),
    g('jump_group_id', 'int', 'jump_group/@id (PRA)'),
    g('jump_group_name', 'text', 'jump_group (PRA)', NAME),
    g('jump_group_type', 'text', 'jump_group/@type: shared | personal (PRA)', 32),
    g('lseq', 'bigint', 'lseq (not unique, never used as a key)'),
    a('product', 'text', "'rs' (SupportSession) or 'pra' (AccessSession), when the report says", 8),
    a('file_move_count', 'int', 'file_move_count'),
    a('file_delete_count', 'int', 'file_delete_count'),
    a('jumpoint_id', 'int', 'jumpoint/@id'),
    a('jumpoint_name', 'text', 'jumpoint', NAME),
    a('primary_customer_gs_number', 'text', 'primary_customer/@gsnumber', GSNUMBER),
    a('primary_customer_name', 'text', 'primary_customer', NAME),
    a('primary_rep_gs_number', 'text', 'primary_rep/@gsnumber', GSNUMBER),
    a('primary_rep_id', 'int', 'primary_rep/@id'),
    a('primary_rep_name', 'text', 'primary_rep', NAME),
    a('session_chat_view_url', 'text', 'session_chat_view_url', URL),
    a('session_chat_download_url', 'text', 'session_chat_download_url', URL),
    a('session_recording_view_url', 'text', 'session_recording_view_url', URL),
    a('session_recording_download_url', 'text', 'session_recording_download_url', URL),
    a('unknown_elements', 'int', 'how many unknown elements the parser kept in `extra` columns of this session and its children'),
    EXTRA,
  ],
};

export const SESSION_EVENT: TableSpec = {
  name: 'session_event',
  guide: true,
  parent: { table: 'session', column: 'session_id' },
  description: 'one session_details/event',
  columns: [
    g('type', 'text', 'event/@event_type', 128),
    g('event_time', 'time', 'event/@timestamp (UTC)'),
    g('performed_by', 'text', 'performed_by', NAME),
    g('performed_by_type', 'text', 'performed_by/@type', 32),
    g('destination', 'text', 'destination', NAME),
    g('destination_type', 'text', 'destination/@type', 32),
    a('performed_by_gs_number', 'text', 'performed_by/@gsnumber', GSNUMBER),
    a('destination_gs_number', 'text', 'destination/@gsnumber', GSNUMBER),
    a('body', 'longtext', 'body (chat and note text)'),
    a('encoded_body', 'longtext', 'encoded_body, decoded from base64 as UTF-8'),
    a('filename', 'longtext', 'filename'),
    a('filesize', 'bigint', 'filesize (bytes)'),
    EXTRA,
  ],
};

export const SESSION_EVENT_DATA: TableSpec = {
  name: 'session_event_data',
  guide: true,
  parent: { table: 'session_event', column: 'session_event_id' },
  description: 'one event/data/value name-value pair',
  columns: [
    g('name', 'text', 'data/value/@name', NAME),
    g('value', 'longtext', 'data/value/@value'),
  ],
};

export const SYSTEM_INFORMATION: TableSpec = {
  name: 'system_information',
  guide: true,
  parent: { table: 'session_event', column: 'session_event_id' },
  description: 'one system_information/category of a System Information Retrieved event',
  columns: [
    g('category', 'text', 'category/@name', NAME),
    g('information', 'longtext', 'the category\'s <description> and <data> with their <field> elements, as XML'),
    EXTRA,
  ],
};

const participantColumns = (who: string): ColumnSpec[] => [
  g('gs_number', 'text', `${who}/@gsnumber`, GSNUMBER),
  g('user_id', 'int', `${who}/@id`),
  g('user_name', 'text', `${who}/username`, NAME),
  g('display_name', 'text', `${who}/display_name`, NAME),
  g('public_display_name', 'text', `${who}/public_display_name`, NAME),
  g('display_number', 'int', `${who}/display_number`),
  g('public_ip', 'text', `${who}/public_ip (with its :port, as sent)`, IP),
  g('private_ip', 'text', `${who}/private_ip`, IP),
  g('is_owner', 'flag', `${who}/session_owner`),
  g('is_primary', 'flag', `${who}/primary_rep (RS); otherwise 1 when @gsnumber = session/primary_rep/@gsnumber`),
  g('duration', 'int', `${who}/seconds_involved (seconds)`),
  g('host_name', 'text', `${who}/hostname`, NAME),
  g('operating_system', 'text', `${who}/os`, NAME),
  a('private_display_name', 'text', `${who}/private_display_name`, NAME),
  a('invited', 'flag', `${who}/invited`),
  EXTRA,
];

/** PRA sessions' rep_list/representative rows (the PRA guide's `user` table). */
export const USER: TableSpec = {
  name: 'user',
  guide: true,
  parent: { table: 'session', column: 'session_id' },
  description: 'one rep_list/representative of a PRA session (a user)',
  columns: participantColumns('representative'),
};

/** RS sessions' rep_list/representative rows (the RS guide's `representative` table). */
export const REPRESENTATIVE: TableSpec = {
  name: 'representative',
  guide: true,
  parent: { table: 'session', column: 'session_id' },
  description: 'one rep_list/representative of an RS session (or of a session whose product is unknown)',
  columns: participantColumns('representative'),
};

export const TEAM: TableSpec = {
  name: 'team',
  guide: true,
  parent: { table: 'session', column: 'session_id' },
  description: 'one team_list/team the session was assigned to',
  columns: [
    g('team_id', 'int', 'team/@id'),
    g('name', 'text', 'team name', NAME),
    g('is_primary', 'flag', 'team primary flag'),
    EXTRA,
  ],
};

export const CUSTOMER: TableSpec = {
  name: 'customer',
  guide: true,
  parent: { table: 'session', column: 'session_id' },
  description: 'one customer_list/customer (the PRA guide calls it Endpoint)',
  columns: [
    g('gs_number', 'text', 'customer/@gsnumber', GSNUMBER),
    g('issue', 'text', 'customer/info/issue', NAME),
    g('issue_description', 'longtext', 'customer/info/details'),
    g('display_name', 'text', 'customer/info/name, else customer/username', NAME),
    g('company_name', 'text', 'customer/info/company', NAME),
    g('company_code', 'text', 'customer/info/company_code', NAME),
    g('public_ip', 'text', 'customer/public_ip (with its :port, as sent)', IP),
    g('private_ip', 'text', 'customer/private_ip', IP),
    g('rpat_support', 'flag', 'customer/rpat_support'),
    g('host_name', 'text', 'customer/hostname', NAME),
    g('operating_system', 'text', 'customer/os', NAME),
    a('user_name', 'text', 'customer/username', NAME),
    a('primary_cust', 'flag', 'customer/primary_cust (RS)'),
    a('info_name', 'text', 'customer/info/name (display_name falls back to username when absent)', NAME),
    EXTRA,
  ],
};

export const CUSTOM_ATTRIBUTE: TableSpec = {
  name: 'custom_attribute',
  guide: true,
  parent: { table: 'session', column: 'session_id' },
  description: 'one custom_attributes/custom_attribute',
  columns: [
    g('display_name', 'text', 'custom_attribute/@display_name', NAME),
    g('code_name', 'text', 'custom_attribute/@code_name', NAME),
    g('value', 'longtext', 'custom_attribute text'),
  ],
};

export const SESSION_RECORDING: TableSpec = {
  name: 'session_recording',
  guide: false,
  parent: { table: 'session', column: 'session_id' },
  description: 'one command_shell_recording or Show My Screen recording instance',
  columns: [
    a('recording_type', 'text', "'command_shell' or 'show_my_screen'", 32),
    a('instance', 'int', '@instance (0-based)'),
    a('download_url', 'text', 'download_url', URL),
    a('view_url', 'text', 'view_url', URL),
  ],
};

export const SESSION_EVENT_FILE: TableSpec = {
  name: 'session_event_file',
  guide: false,
  parent: { table: 'session_event', column: 'session_event_id' },
  description: 'one event/files/file',
  columns: [
    a('filename', 'longtext', 'file/filename'),
    a('filesize', 'bigint', 'file/filesize (bytes)'),
  ],
};

export const CUSTOMER_INFO_FIELD: TableSpec = {
  name: 'customer_info_field',
  guide: false,
  parent: { table: 'customer', column: 'customer_id' },
  description: 'one custom field of customer/info (front-end survey fields beyond name/company/issue/details)',
  columns: [
    a('name', 'text', 'element name inside customer/info', NAME),
    a('value', 'longtext', 'element text'),
  ],
};

export const EXIT_SURVEY: TableSpec = {
  name: 'exit_survey',
  guide: false,
  parent: { table: 'session', column: 'session_id' },
  description: 'one cust_exit_survey or rep_exit_survey (RS)',
  columns: [
    a('survey_type', 'text', "'customer' or 'representative'", 32),
    a('gs_number', 'text', '@gsnumber', GSNUMBER),
    EXTRA,
  ],
};

export const EXIT_SURVEY_VALUE: TableSpec = {
  name: 'exit_survey_value',
  guide: false,
  parent: { table: 'exit_survey', column: 'exit_survey_id' },
  description: 'one value/@name,@value of an exit survey',
  columns: [
    a('name', 'text', 'value/@name', NAME),
    a('value', 'longtext', 'value/@value'),
  ],
};

/** Every data table, parents before children (load order; delete in reverse). */
export const TABLES: readonly TableSpec[] = [
  SESSION,
  SESSION_EVENT,
  SESSION_EVENT_DATA,
  SESSION_EVENT_FILE,
  SYSTEM_INFORMATION,
  USER,
  REPRESENTATIVE,
  CUSTOMER,
  CUSTOMER_INFO_FIELD,
  TEAM,
  CUSTOM_ATTRIBUTE,
  SESSION_RECORDING,
  EXIT_SURVEY,
  EXIT_SURVEY_VALUE,
];

/** Where a session that a destination refused is kept for inspection. */
export const REJECTED_SESSION_TABLE = 'rejected_session';
export const SCHEMA_VERSION_TABLE = 'schema_version';

/** How deep a table sits below `session`: 0 for session, 1 for its children, 2 for grandchildren. */
export function depthOf(table: TableSpec): number {
  let depth = 0;
  let parent = table.parent;
  while (parent !== null) {
    depth++;
    parent = tableByName(parent.table).parent;
  }
  return depth;
}

export function tableByName(name: string): TableSpec {
  const table = TABLES.find((t) => t.name === name);
  if (table === undefined) throw new Error(`no table ${name} in the schema`);
  return table;
}

/**
 * Staging key columns that precede the data columns in every staged row: `batch_index` (the
 * session's position in the batch), then `seq` for children, then `parent_seq` + `seq` for
 * grandchildren (the parent's own seq within the session).
 */
export function stagingKeyColumns(table: TableSpec): readonly string[] {
  const depth = depthOf(table);
  if (depth === 0) return ['batch_index'];
  if (depth === 1) return ['batch_index', 'seq'];
  return ['batch_index', 'parent_seq', 'seq'];
}

/** Key columns plus data columns: the width of a staged row. */
export function stagedWidth(table: TableSpec): number {
  return stagingKeyColumns(table).length + table.columns.length;
}
