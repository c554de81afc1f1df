/**
 * The records of the session being read, as the per-kind mappers fill them: the session's lists and
 * the innermost open record of each kind (the event a `data/value` belongs to, the customer an
 * `info` belongs to, …). One object per parser, reset at each `<session>`.
 */
import type { CommandShellRecording, CustomAttributeRecord, EventFile, EventRecord, Product, SessionRecord, SurveyRecord, SystemInformationField, TeamRecord, UserRecord } from '../../src/records.ts';
import {
  newCustomer, newEvent, newEventFile, newKey, newRecording, newSession, newSurvey, newSystemInformation, newTeam, newUser,
  type CustomerDraft, type Draft, type MutableKey, type SystemInformationDraft,
} from './record-drafts.ts';

export interface OpenRecords {
  key: MutableKey;
  session: Draft<SessionRecord>;
  events: EventRecord[];
  systemInformation: SystemInformationDraft[];
  users: UserRecord[];
  customers: CustomerDraft[];
  teams: TeamRecord[];
  customAttributes: CustomAttributeRecord[];
  surveys: SurveyRecord[];
  recording: Draft<CommandShellRecording>;
  customer: CustomerDraft;
  user: Draft<UserRecord>;
  team: Draft<TeamRecord>;
  survey: Draft<SurveyRecord>;
  event: Draft<EventRecord>;
  file: Draft<EventFile>;
  category: SystemInformationDraft;
  /** Categories seen so far in the open event (the next one's `seq`). */
  categorySeq: number;
  row: SystemInformationField[];
}

/** Placeholders until the first session opens; every field has its final type from the start. */
export function emptyOpenRecords(): OpenRecords {
  const key = newKey('');
  return {
    key, session: newSession(key, null), events: [], systemInformation: [], users: [], customers: [], teams: [],
    customAttributes: [], surveys: [], recording: newRecording(0), customer: newCustomer(key, 0, null), user: newUser(key, 0, null),
    team: newTeam(key, 0), survey: newSurvey(key, 0, 'customer', null), event: newEvent(key, 0, null), file: newEventFile(),
    category: newSystemInformation(key, 0, 0, ''), categorySeq: 0, row: [],
  };
}

/** A new session: fresh key and lists (the previous session's were handed out with its bundle). */
export function startSession(open: OpenRecords, lsid: string, product: Product | null): void {
  open.key = newKey(lsid);
  open.session = newSession(open.key, product);
  open.events = [];
  open.systemInformation = [];
  open.users = [];
  open.customers = [];
  open.teams = [];
  open.customAttributes = [];
  open.surveys = [];
}
