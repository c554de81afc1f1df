/**
 * SessionBundles -> a StagedBatch: every record mapped to the rows of the schema's tables (see the
 * README's "SQL schema" section for the field-by-field mapping). Each session is checked as it is
 * staged: a value longer than its column rejects that session alone, with an error naming the table,
 * column, lsid and size, and its rows are taken back out so the rest of the batch still loads.
 * The same key twice in one batch keeps the later copy (the later report is the newer view).
 */
import type { ExtraValue, SessionBundle, UserRecord } from '../../src/records.ts';
import type { RejectedSession } from '../../src/stage.ts';
import {
  CUSTOM_ATTRIBUTE, CUSTOMER, CUSTOMER_INFO_FIELD, EXIT_SURVEY, EXIT_SURVEY_VALUE, REPRESENTATIVE, SESSION, SESSION_EVENT,
  SESSION_EVENT_DATA, SESSION_EVENT_FILE, SESSION_RECORDING, SYSTEM_INFORMATION, TABLES, TEAM, USER, stagingKeyColumns, type TableSpec,
} from './schema.ts';
import { emptyTables, type StagedBatch, type StagedTable, type StagedValue } from './staged-batch.ts';
import { systemInformationXml } from './system-information-xml.ts';
import { ValueTooLongError } from './sql-errors.ts';

/** Which table a session's `rep_list/representative` rows go to. */
export type ParticipantTable = 'user' | 'representative';

export interface StageOptions {
  /** The guide's "Should Store System Information". Default true. */
  readonly storeSystemInformation: boolean;
  /**
   * Where representatives of a session whose product the report does not say go. PRA sessions
   * always use `user` and RS sessions `representative`, as the two guides define. Default
   * `representative` (the element's own name).
   */
  readonly unknownProductParticipants: ParticipantTable;
}

export const DEFAULT_STAGE_OPTIONS: StageOptions = { storeSystemInformation: true, unknownProductParticipants: 'representative' };

export interface StageResult {
  readonly batch: StagedBatch;
  /** Sessions refused before reaching the database (value too long). */
  readonly rejected: RejectedSession[];
  /** Earlier copies of a key that appeared again later in the same batch. */
  readonly superseded: number;
}

const index = (spec: TableSpec): number => TABLES.indexOf(spec);
const I = {
  session: index(SESSION), event: index(SESSION_EVENT), eventData: index(SESSION_EVENT_DATA), eventFile: index(SESSION_EVENT_FILE),
  systemInformation: index(SYSTEM_INFORMATION), user: index(USER), representative: index(REPRESENTATIVE), customer: index(CUSTOMER),
  customerInfoField: index(CUSTOMER_INFO_FIELD), team: index(TEAM), customAttribute: index(CUSTOM_ATTRIBUTE),
  recording: index(SESSION_RECORDING), survey: index(EXIT_SURVEY), surveyValue: index(EXIT_SURVEY_VALUE),
};

const flag = (value: boolean | null): number | null => (value === null ? null : value ? 1 : 0);
const extraJson = (extra: readonly ExtraValue[]): string | null => (extra.length === 0 ? null : JSON.stringify(extra));

/** Columns with a length limit, per table: [offset in the staged row, maxLength, column name]. */
const LIMITS: readonly (readonly [number, number, string])[][] = TABLES.map((spec) => {
  const keys = stagingKeyColumns(spec).length;
  const limits: [number, number, string][] = [];
  spec.columns.forEach((column, i) => {
    if (column.maxLength !== undefined) limits.push([keys + i, column.maxLength, column.name]);
  });
  return limits;
});

function isPrimaryUser(user: UserRecord, bundle: SessionBundle): number | null {
  if (user.primaryRep !== null) return user.primaryRep ? 1 : 0;
  const primary = bundle.session.primaryRepGsnumber;
  if (primary === null || user.gsnumber === null) return null;
  return user.gsnumber === primary ? 1 : 0;
}

function stageSession(bundle: SessionBundle, b: number, t: readonly StagedTable[], options: StageOptions): void {
  const s = bundle.session;
  (t[I.session] as StagedTable).values.push(
    b, s.key.lsid, s.key.host, s.sessionType, s.startTime, s.endTime, s.duration, s.fileTransferCount, s.externalKey,
    s.publicSiteId, s.publicSiteName, s.jumpGroupId, s.jumpGroupName, s.jumpGroupType, s.lseq,
    s.product, s.fileMoveCount, s.fileDeleteCount, s.jumpointId, s.jumpointName,
    s.primaryCustomerGsnumber, s.primaryCustomerName, s.primaryRepGsnumber, s.primaryRepId, s.primaryRepName,
    s.chatViewUrl, s.chatDownloadUrl, s.recordingViewUrl, s.recordingDownloadUrl, bundle.unknownElements, extraJson(s.extra),
  );

  const events = (t[I.event] as StagedTable).values;
  const eventData = (t[I.eventData] as StagedTable).values;
  const eventFiles = (t[I.eventFile] as StagedTable).values;
  for (const e of bundle.events) {
    const by = e.performedBy;
    const to = e.destination;
    events.push(
      b, e.seq, e.type, e.time, by?.name ?? null, by?.type ?? null, to?.name ?? null, to?.type ?? null,
      by?.gsnumber ?? null, to?.gsnumber ?? null, e.body, e.encodedBody, e.filename, e.filesize, extraJson(e.extra),
    );
    for (let i = 0; i < e.data.length; i++) {
      const d = e.data[i] as (typeof e.data)[number];
      eventData.push(b, e.seq, i, d.name, d.value);
    }
    for (let i = 0; i < e.files.length; i++) {
      const f = e.files[i] as (typeof e.files)[number];
      eventFiles.push(b, e.seq, i, f.filename, f.filesize);
    }
  }

  if (options.storeSystemInformation) {
    const infos = (t[I.systemInformation] as StagedTable).values;
    for (const info of bundle.systemInformation) infos.push(b, info.eventSeq, info.seq, info.category, systemInformationXml(info), extraJson(info.extra));
  }

  const participantTable = s.product === 'pra' ? I.user : s.product === 'rs' ? I.representative : options.unknownProductParticipants === 'user' ? I.user : I.representative;
  const users = (t[participantTable] as StagedTable).values;
  for (const u of bundle.users) {
    users.push(
      b, u.seq, u.gsnumber, u.userId, u.username, u.displayName, u.publicDisplayName, u.displayNumber, u.publicIp, u.privateIp,
      flag(u.sessionOwner), isPrimaryUser(u, bundle), u.secondsInvolved, u.hostname, u.os, u.privateDisplayName, flag(u.invited), extraJson(u.extra),
    );
  }

  const customers = (t[I.customer] as StagedTable).values;
  const infoFields = (t[I.customerInfoField] as StagedTable).values;
  for (const c of bundle.customers) {
    const info = c.info;
    customers.push(
      b, c.seq, c.gsnumber, info?.issue ?? null, info?.details ?? null, info?.name ?? c.username, info?.company ?? null, info?.companyCode ?? null,
      c.publicIp, c.privateIp, flag(c.rpatSupport), c.hostname, c.os, c.username, flag(c.primaryCust), info?.name ?? null, extraJson(c.extra),
    );
    if (info !== null) {
      for (let i = 0; i < info.fields.length; i++) {
        const f = info.fields[i] as (typeof info.fields)[number];
        infoFields.push(b, c.seq, i, f.name, f.value);
      }
    }
  }

  const teams = (t[I.team] as StagedTable).values;
  for (const team of bundle.teams) teams.push(b, team.seq, team.teamId, team.name, flag(team.isPrimary), extraJson(team.extra));

  const attributes = (t[I.customAttribute] as StagedTable).values;
  for (const attribute of bundle.customAttributes) attributes.push(b, attribute.seq, attribute.displayName, attribute.codeName, attribute.value);

  const recordings = (t[I.recording] as StagedTable).values;
  let seq = 0;
  for (const r of s.commandShellRecordings) recordings.push(b, seq++, 'command_shell', r.instance, r.downloadUrl, r.viewUrl);
  for (const r of s.showMyScreenRecordings) recordings.push(b, seq++, 'show_my_screen', r.instance, r.downloadUrl, r.viewUrl);

  const surveys = (t[I.survey] as StagedTable).values;
  const surveyValues = (t[I.surveyValue] as StagedTable).values;
  for (const survey of bundle.surveys) {
    surveys.push(b, survey.seq, survey.surveyType, survey.gsnumber, extraJson(survey.extra));
    for (let i = 0; i < survey.values.length; i++) {
      const v = survey.values[i] as (typeof survey.values)[number];
      surveyValues.push(b, survey.seq, i, v.name, v.value);
    }
  }
}

/** The first value of the rows appended since `marks` that is longer than its column, if any. */
function findTooLong(tables: readonly StagedTable[], marks: readonly number[]): { table: TableSpec; column: string; length: number; max: number } | null {
  for (let ti = 0; ti < tables.length; ti++) {
    const limits = LIMITS[ti] as (typeof LIMITS)[number];
    if (limits.length === 0) continue;
    const table = tables[ti] as StagedTable;
    const values = table.values;
    for (let row = marks[ti] as number; row < values.length; row += table.width) {
      for (const [offset, max, column] of limits) {
        const value = values[row + offset] as StagedValue;
        if (typeof value === 'string' && value.length > max) return { table: table.spec, column, length: value.length, max };
      }
    }
  }
  return null;
}

/**
 * Stages a batch. Sessions are deduplicated by (host, lsid), keeping the last copy; a session with a
 * value too long for its column is rejected here, before any database work.
 */
export function stageBundles(bundles: readonly SessionBundle[], options: StageOptions = DEFAULT_STAGE_OPTIONS): StageResult {
  const last = new Map<string, number>();
  bundles.forEach((bundle, i) => last.set(`${bundle.session.key.host}\u0000${bundle.session.key.lsid}`, i));
  const tables = emptyTables();
  const sessions: SessionBundle[] = [];
  const rejected: RejectedSession[] = [];
  const marks = new Array<number>(tables.length).fill(0);
  let superseded = 0;
  for (let i = 0; i < bundles.length; i++) {
    const bundle = bundles[i] as SessionBundle;
    if (last.get(`${bundle.session.key.host}\u0000${bundle.session.key.lsid}`) !== i) {
      superseded++;
      continue;
    }
    for (let ti = 0; ti < tables.length; ti++) marks[ti] = (tables[ti] as StagedTable).values.length;
    stageSession(bundle, sessions.length, tables, options);
    const tooLong = findTooLong(tables, marks);
    if (tooLong === null) {
      sessions.push(bundle);
      continue;
    }
    for (let ti = 0; ti < tables.length; ti++) (tables[ti] as StagedTable).values.length = marks[ti] as number;
    rejected.push({ bundle, error: new ValueTooLongError({ table: tooLong.table.name, column: tooLong.column, key: bundle.session.key, length: tooLong.length, maxLength: tooLong.max }) });
  }
  return { batch: { sessions, tables }, rejected, superseded };
}
