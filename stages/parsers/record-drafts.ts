/**
 * Mutable drafts of the record model, filled in element by element while a session streams past and
 * handed out as the readonly records once its `</session>` closes. Each factory returns an object
 * literal with every field present, so all records of a kind share one hidden class.
 *
 * Every record of a bundle shares one key object: the host may only become known after the session
 * closed (see host-resolver.ts), and is then set once for all of them.
 */
import type {
  CommandShellRecording,
  CustomerInfo,
  CustomerRecord,
  EventFile,
  EventRecord,
  SessionKey,
  SessionRecord,
  SessionSummaryRecord,
  SurveyRecord,
  SystemInformationField,
  SystemInformationRecord,
  TeamRecord,
  UserRecord,
} from '../../src/records.ts';
import type { Product } from '../../src/records.ts';

/** A record type with its fields writable and its arrays mutable. */
export type Draft<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

export type MutableKey = { -readonly [K in keyof SessionKey]: SessionKey[K] };

export function newKey(lsid: string): MutableKey {
  return { host: '', lsid };
}

export function newSession(key: SessionKey, product: Product | null): Draft<SessionRecord> {
  return {
    kind: 'session', key, product, sessionType: null, lseq: null, startTime: null, endTime: null, duration: null,
    externalKey: null, publicSiteId: null, publicSiteName: null, jumpGroupId: null, jumpGroupName: null, jumpGroupType: null,
    jumpointId: null, jumpointName: null, fileTransferCount: null, fileMoveCount: null, fileDeleteCount: null,
    primaryCustomerGsnumber: null, primaryCustomerName: null, primaryRepGsnumber: null, primaryRepId: null, primaryRepName: null,
    chatViewUrl: null, chatDownloadUrl: null, recordingViewUrl: null, recordingDownloadUrl: null,
    commandShellRecordings: [], showMyScreenRecordings: [], extra: [],
  };
}

export function newRecording(instance: number): Draft<CommandShellRecording> {
  return { instance, downloadUrl: null, viewUrl: null };
}

export function newEvent(key: SessionKey, seq: number, type: string | null): Draft<EventRecord> {
  return {
    kind: 'event', key, seq, type, time: null, performedBy: null, destination: null, data: [], body: null,
    encodedBody: null, filename: null, filesize: null, files: [], extra: [],
  };
}

export function newEventFile(): Draft<EventFile> {
  return { filename: null, filesize: null };
}

export type SystemInformationDraft = Omit<Draft<SystemInformationRecord>, 'rows'> & { rows: SystemInformationField[][] };

export function newSystemInformation(key: SessionKey, eventSeq: number, seq: number, category: string): SystemInformationDraft {
  return { kind: 'system_information', key, eventSeq, seq, category, description: [], rows: [], extra: [] };
}

export function newUser(key: SessionKey, seq: number, gsnumber: string | null): Draft<UserRecord> {
  return {
    kind: 'user', key, seq, gsnumber, userId: null, username: null, displayName: null, publicDisplayName: null,
    privateDisplayName: null, displayNumber: null, publicIp: null, privateIp: null, hostname: null, os: null,
    sessionOwner: null, primaryRep: null, secondsInvolved: null, invited: null, extra: [],
  };
}

export type CustomerDraft = Omit<Draft<CustomerRecord>, 'info'> & { info: Draft<CustomerInfo> | null };

export function newCustomer(key: SessionKey, seq: number, gsnumber: string | null): CustomerDraft {
  return {
    kind: 'customer', key, seq, gsnumber, username: null, publicIp: null, privateIp: null, hostname: null, os: null,
    primaryCust: null, rpatSupport: null, info: null, extra: [],
  };
}

export function newCustomerInfo(): Draft<CustomerInfo> {
  return { name: null, company: null, companyCode: null, issue: null, details: null, fields: [] };
}

export function newTeam(key: SessionKey, seq: number): Draft<TeamRecord> {
  return { kind: 'team', key, seq, teamId: null, name: null, isPrimary: null, extra: [] };
}

export function newSurvey(key: SessionKey, seq: number, surveyType: SurveyRecord['surveyType'], gsnumber: string | null): Draft<SurveyRecord> {
  return { kind: 'survey', key, seq, surveyType, gsnumber, values: [], extra: [] };
}

export function newSummary(key: SessionKey, externalKey: string | null): Draft<SessionSummaryRecord> {
  return { kind: 'session_summary', key, hasRecording: null, externalKey, extra: [] };
}
