/**
 * The element vocabulary of BeyondTrust session reports, as small integer codes the parser's state
 * machine switches on. Each container code has a table from child local name to child code; a child
 * missing from its parent's table is an unknown element (kept in `extra`). Leaf codes (`L_*`) name
 * the field their text goes to. Names are matched without namespace prefix.
 */

// Containers (elements whose children the parser walks).
export const C_DOC = 0;
export const C_LIST = 1;
export const C_ERROR = 2;
export const C_SESSION = 3;
export const C_CUSTOM_ATTRIBUTES = 4;
export const C_SHELL_RECORDINGS = 5;
export const C_SMS_RECORDINGS = 6;
export const C_RECORDING = 7;
export const C_CUSTOMER_LIST = 8;
export const C_CUSTOMER = 9;
export const C_INFO = 10;
export const C_REP_LIST = 11;
export const C_REP = 12;
export const C_TEAM_LIST = 13;
export const C_TEAM = 14;
export const C_CUST_SURVEYS = 15;
export const C_REP_SURVEYS = 16;
export const C_SURVEY = 17;
export const C_DETAILS = 18;
export const C_EVENT = 19;
export const C_EVENT_DATA = 20;
export const C_FILES = 21;
export const C_FILE = 22;
export const C_SYSINFO = 23;
export const C_CATEGORY = 24;
export const C_DESCRIPTION = 25;
export const C_SYSDATA = 26;
export const C_ROW = 27;
export const C_SUMMARY = 28;
/** Inside an element the parser does not know: everything is kept in `extra`. */
export const C_UNKNOWN = 29;

// Leaves: session scalars.
export const L_SESSION_TYPE = 40;
export const L_LSEQ = 41;
export const L_START_TIME = 42;
export const L_END_TIME = 43;
export const L_DURATION = 44;
export const L_PUBLIC_SITE = 45;
export const L_EXTERNAL_KEY = 46;
export const L_CUSTOM_ATTRIBUTE = 47;
export const L_CHAT_VIEW_URL = 48;
export const L_CHAT_DOWNLOAD_URL = 49;
export const L_RECORDING_VIEW_URL = 50;
export const L_RECORDING_DOWNLOAD_URL = 51;
export const L_FILE_TRANSFER_COUNT = 52;
export const L_FILE_MOVE_COUNT = 53;
export const L_FILE_DELETE_COUNT = 54;
export const L_PRIMARY_CUSTOMER = 55;
export const L_PRIMARY_REP = 56;
export const L_JUMP_GROUP = 57;
export const L_JUMPOINT = 58;
export const L_REC_DOWNLOAD_URL = 59;
export const L_REC_VIEW_URL = 60;
// Customer.
export const L_CUST_USERNAME = 70;
export const L_CUST_PUBLIC_IP = 71;
export const L_CUST_PRIVATE_IP = 72;
export const L_CUST_HOSTNAME = 73;
export const L_CUST_OS = 74;
export const L_CUST_PRIMARY = 75;
export const L_CUST_RPAT = 76;
export const L_INFO_NAME = 77;
export const L_INFO_COMPANY = 78;
export const L_INFO_COMPANY_CODE = 79;
export const L_INFO_ISSUE = 80;
export const L_INFO_DETAILS = 81;
/** Any other child of `info`: a custom front-end survey field, kept in `info.fields`. */
export const L_INFO_FIELD = 82;
// Representative / user.
export const L_REP_USERNAME = 90;
export const L_REP_DISPLAY_NAME = 91;
export const L_REP_PUBLIC_DISPLAY_NAME = 92;
export const L_REP_PRIVATE_DISPLAY_NAME = 93;
export const L_REP_DISPLAY_NUMBER = 94;
export const L_REP_PUBLIC_IP = 95;
export const L_REP_PRIVATE_IP = 96;
export const L_REP_HOSTNAME = 97;
export const L_REP_OS = 98;
export const L_REP_SESSION_OWNER = 99;
export const L_REP_PRIMARY = 100;
export const L_REP_SECONDS = 101;
export const L_REP_INVITED = 102;
// Team (RS; shape unverified, so every spelling is accepted).
export const L_TEAM_ID = 110;
export const L_TEAM_NAME = 111;
export const L_TEAM_PRIMARY = 112;
// Survey.
export const L_SURVEY_VALUE = 115;
// Event.
export const L_PERFORMED_BY = 120;
export const L_DESTINATION = 121;
export const L_DATA_VALUE = 122;
export const L_BODY = 123;
export const L_ENCODED_BODY = 124;
export const L_EVENT_FILENAME = 125;
export const L_EVENT_FILESIZE = 126;
export const L_FILE_FILENAME = 127;
export const L_FILE_FILESIZE = 128;
export const L_DESCRIPTION_FIELD = 129;
export const L_ROW_FIELD = 130;

/** Every code below this is a container; at or above, a leaf. */
export const FIRST_LEAF = 40;

type Table = ReadonlyMap<string, number>;
const table = (entries: Record<string, number>): Table => new Map(Object.entries(entries));

const SESSION: Table = table({
  session_type: L_SESSION_TYPE,
  lseq: L_LSEQ,
  start_time: L_START_TIME,
  end_time: L_END_TIME,
  duration: L_DURATION,
  public_site: L_PUBLIC_SITE,
  external_key: L_EXTERNAL_KEY,
  custom_attributes: C_CUSTOM_ATTRIBUTES,
  session_chat_view_url: L_CHAT_VIEW_URL,
  session_chat_download_url: L_CHAT_DOWNLOAD_URL,
  session_recording_view_url: L_RECORDING_VIEW_URL,
  session_recording_download_url: L_RECORDING_DOWNLOAD_URL,
  command_shell_recordings: C_SHELL_RECORDINGS,
  show_my_screen_recordings: C_SMS_RECORDINGS,
  file_transfer_count: L_FILE_TRANSFER_COUNT,
  file_move_count: L_FILE_MOVE_COUNT,
  file_delete_count: L_FILE_DELETE_COUNT,
  primary_customer: L_PRIMARY_CUSTOMER,
  primary_rep: L_PRIMARY_REP,
  jump_group: L_JUMP_GROUP,
  jumpoint: L_JUMPOINT,
  customer_list: C_CUSTOMER_LIST,
  rep_list: C_REP_LIST,
  team_list: C_TEAM_LIST,
  cust_survey_list: C_CUST_SURVEYS,
  rep_survey_list: C_REP_SURVEYS,
  session_details: C_DETAILS,
});

const CUSTOMER: Table = table({
  username: L_CUST_USERNAME,
  public_ip: L_CUST_PUBLIC_IP,
  private_ip: L_CUST_PRIVATE_IP,
  hostname: L_CUST_HOSTNAME,
  os: L_CUST_OS,
  primary_cust: L_CUST_PRIMARY,
  rpat_support: L_CUST_RPAT,
  info: C_INFO,
});

const INFO: Table = table({
  name: L_INFO_NAME,
  company: L_INFO_COMPANY,
  company_code: L_INFO_COMPANY_CODE,
  issue: L_INFO_ISSUE,
  details: L_INFO_DETAILS,
});

const REP: Table = table({
  username: L_REP_USERNAME,
  display_name: L_REP_DISPLAY_NAME,
  public_display_name: L_REP_PUBLIC_DISPLAY_NAME,
  private_display_name: L_REP_PRIVATE_DISPLAY_NAME,
  display_number: L_REP_DISPLAY_NUMBER,
  public_ip: L_REP_PUBLIC_IP,
  private_ip: L_REP_PRIVATE_IP,
  hostname: L_REP_HOSTNAME,
  os: L_REP_OS,
  session_owner: L_REP_SESSION_OWNER,
  primary_rep: L_REP_PRIMARY,
  seconds_involved: L_REP_SECONDS,
  invited: L_REP_INVITED,
});

const TEAM: Table = table({
  id: L_TEAM_ID,
  team_id: L_TEAM_ID,
  name: L_TEAM_NAME,
  primary: L_TEAM_PRIMARY,
  primary_team: L_TEAM_PRIMARY,
  is_primary: L_TEAM_PRIMARY,
});

const EVENT: Table = table({
  performed_by: L_PERFORMED_BY,
  destination: L_DESTINATION,
  data: C_EVENT_DATA,
  body: L_BODY,
  encoded_body: L_ENCODED_BODY,
  filename: L_EVENT_FILENAME,
  filesize: L_EVENT_FILESIZE,
  files: C_FILES,
  system_information: C_SYSINFO,
});

const RECORDING: Table = table({ download_url: L_REC_DOWNLOAD_URL, view_url: L_REC_VIEW_URL });

/** Child tables by container code; containers not listed have no known children. */
export const CHILDREN: readonly (Table | undefined)[] = (() => {
  const tables: (Table | undefined)[] = [];
  tables[C_SESSION] = SESSION;
  tables[C_CUSTOM_ATTRIBUTES] = table({ custom_attribute: L_CUSTOM_ATTRIBUTE });
  tables[C_SHELL_RECORDINGS] = table({ command_shell_recording: C_RECORDING });
  tables[C_SMS_RECORDINGS] = table({ show_my_screen_recording: C_RECORDING });
  tables[C_RECORDING] = RECORDING;
  tables[C_CUSTOMER_LIST] = table({ customer: C_CUSTOMER });
  tables[C_CUSTOMER] = CUSTOMER;
  tables[C_INFO] = INFO;
  tables[C_REP_LIST] = table({ representative: C_REP });
  tables[C_REP] = REP;
  tables[C_TEAM_LIST] = table({ team: C_TEAM });
  tables[C_TEAM] = TEAM;
  tables[C_CUST_SURVEYS] = table({ cust_exit_survey: C_SURVEY });
  tables[C_REP_SURVEYS] = table({ rep_exit_survey: C_SURVEY });
  tables[C_SURVEY] = table({ value: L_SURVEY_VALUE });
  tables[C_DETAILS] = table({ event: C_EVENT });
  tables[C_EVENT] = EVENT;
  tables[C_EVENT_DATA] = table({ value: L_DATA_VALUE });
  tables[C_FILES] = table({ file: C_FILE });
  tables[C_FILE] = table({ filename: L_FILE_FILENAME, filesize: L_FILE_FILESIZE });
  tables[C_SYSINFO] = table({ category: C_CATEGORY });
  tables[C_CATEGORY] = table({ description: C_DESCRIPTION, data: C_SYSDATA });
  tables[C_DESCRIPTION] = table({ field: L_DESCRIPTION_FIELD });
  tables[C_SYSDATA] = table({ row: C_ROW });
  tables[C_ROW] = table({ field: L_ROW_FIELD });
  return tables;
})();

/**
 * For containers with exactly one known child (lists, rows, `data`): that child's name and code, so
 * the hottest lookups (`row/field`, `data/value`, `session_details/event`) are one string compare.
 */
export const ONLY_CHILD_NAME: readonly (string | undefined)[] = CHILDREN.map((children) => (children?.size === 1 ? [...children.keys()][0] : undefined));
export const ONLY_CHILD_CODE: readonly number[] = CHILDREN.map((children) => (children?.size === 1 ? ([...children.values()][0] as number) : C_UNKNOWN));

/**
 * Attributes each element may carry (by code); any other attribute is kept in `extra`. Namespace
 * declarations and `xsi:*` attributes are never data and are skipped everywhere.
 */
export const KNOWN_ATTRIBUTES: readonly (readonly string[] | undefined)[] = (() => {
  // Arrays, not Sets: 1 to 6 names compared directly beat hashing a freshly sliced string.
  const sets: (readonly string[] | undefined)[] = [];
  const set = (...names: string[]) => names;
  sets[C_SESSION] = set('lsid');
  sets[C_RECORDING] = set('instance');
  sets[C_CUSTOMER] = set('gsnumber');
  sets[C_REP] = set('gsnumber', 'id');
  sets[C_TEAM] = set('id', 'team_id', 'name', 'primary', 'primary_team', 'is_primary');
  sets[C_SURVEY] = set('gsnumber');
  sets[C_EVENT] = set('timestamp', 'event_type');
  sets[C_CATEGORY] = set('name');
  sets[C_SUMMARY] = set('lsid', 'has_recording', 'external_key');
  sets[C_ERROR] = set('code');
  sets[L_START_TIME] = set('timestamp');
  sets[L_END_TIME] = set('timestamp');
  sets[L_PUBLIC_SITE] = set('id');
  sets[L_CUSTOM_ATTRIBUTE] = set('display_name', 'code_name');
  sets[L_PRIMARY_CUSTOMER] = set('gsnumber');
  sets[L_PRIMARY_REP] = set('gsnumber', 'id');
  sets[L_JUMP_GROUP] = set('type', 'id');
  sets[L_JUMPOINT] = set('id');
  sets[L_SURVEY_VALUE] = set('name', 'value');
  sets[L_PERFORMED_BY] = set('type', 'gsnumber');
  sets[L_DESTINATION] = set('type', 'gsnumber');
  sets[L_DATA_VALUE] = set('name', 'value');
  sets[L_DESCRIPTION_FIELD] = set('name', 'id');
  sets[L_ROW_FIELD] = set('name', 'id');
  return sets;
})();

/** The local part of a possibly prefixed XML name (`sra:session` -> `session`). */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Namespace declarations and schema hints: markup, not data. */
export function isMarkupAttribute(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:') || name.startsWith('xsi:');
}
