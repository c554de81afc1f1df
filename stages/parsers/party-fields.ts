/**
 * Mapper for the people in a session: `customer_list/customer` (with the RS `info` block, whose
 * unknown children are the custom front-end survey fields), `rep_list/representative`,
 * `team_list/team` (every spelling the API notes allow, since the shape is unverified) and the exit
 * surveys.
 */
import type { SurveyRecord } from '../../src/records.ts';
import * as E from './report-elements.ts';
import { readFlag, readInteger, type ExtraCounter } from './leaf-values.ts';
import type { OpenRecords } from './open-records.ts';
import { newCustomer, newCustomerInfo, newSurvey, newTeam, newUser } from './record-drafts.ts';
import type { TagAttributes } from './tag-attributes.ts';

export function openCustomer(open: OpenRecords, attrs: TagAttributes): OpenRecords['customer'] {
  open.customer = newCustomer(open.key, open.customers.length, attrs.get('gsnumber') ?? null);
  open.customers.push(open.customer);
  return open.customer;
}

export function openCustomerInfo(open: OpenRecords): void {
  open.customer.info = newCustomerInfo();
}

export function openUser(open: OpenRecords, attrs: TagAttributes, counter: ExtraCounter): OpenRecords['user'] {
  const user = newUser(open.key, open.users.length, attrs.get('gsnumber') ?? null);
  user.userId = readInteger(attrs.get('id'), user.extra, counter, '@id');
  open.users.push(user);
  open.user = user;
  return user;
}

/** A team: `@id`/`@team_id`, `@name`, and the primary flag as `@primary`, `@primary_team` or `@is_primary` (or children). */
export function openTeam(open: OpenRecords, attrs: TagAttributes, counter: ExtraCounter): OpenRecords['team'] {
  const team = newTeam(open.key, open.teams.length);
  const id = attrs.get('id');
  const teamId = id ?? attrs.get('team_id');
  if (teamId !== undefined) team.teamId = readInteger(teamId, team.extra, counter, id === undefined ? '@team_id' : '@id');
  team.name = attrs.get('name') ?? null;
  for (const flag of ['primary', 'primary_team', 'is_primary']) {
    const value = attrs.get(flag);
    if (value === undefined) continue;
    team.isPrimary = readFlag(value, team.extra, counter, `@${flag}`);
    break;
  }
  open.teams.push(team);
  open.team = team;
  return team;
}

/** A team element without children carries its name as text (`<team id="3">Tier 1</team>`). */
export function closeTeam(open: OpenRecords, text: string, hadChildren: boolean): void {
  if (open.team.name === null && !hadChildren) open.team.name = text;
}

export function openSurvey(open: OpenRecords, attrs: TagAttributes, surveyType: SurveyRecord['surveyType']): OpenRecords['survey'] {
  open.survey = newSurvey(open.key, open.surveys.length, surveyType, attrs.get('gsnumber') ?? null);
  open.surveys.push(open.survey);
  return open.survey;
}

/**
 * Stores a leaf of a customer, user, team or survey. `local` is the element's name (info fields
 * and flag paths use it); `isLeaf` is false when the element had children of its own (those went
 * to `extra`). Returns false for a code it does not own.
 */
export function closePartyLeaf(code: number, text: string, attrs: TagAttributes, open: OpenRecords, counter: ExtraCounter, local: string, isLeaf: boolean): boolean {
  const customer = open.customer;
  const user = open.user;
  switch (code) {
    case E.L_REP_USERNAME: user.username = text; break;
    case E.L_REP_DISPLAY_NAME: user.displayName = text; break;
    case E.L_REP_PUBLIC_DISPLAY_NAME: user.publicDisplayName = text; break;
    case E.L_REP_PRIVATE_DISPLAY_NAME: user.privateDisplayName = text; break;
    case E.L_REP_DISPLAY_NUMBER: user.displayNumber = readInteger(text, user.extra, counter, 'display_number'); break;
    case E.L_REP_PUBLIC_IP: user.publicIp = text; break;
    case E.L_REP_PRIVATE_IP: user.privateIp = text; break;
    case E.L_REP_HOSTNAME: user.hostname = text; break;
    case E.L_REP_OS: user.os = text; break;
    case E.L_REP_SESSION_OWNER: user.sessionOwner = readFlag(text, user.extra, counter, 'session_owner'); break;
    case E.L_REP_PRIMARY: user.primaryRep = readFlag(text, user.extra, counter, 'primary_rep'); break;
    case E.L_REP_SECONDS: user.secondsInvolved = readInteger(text, user.extra, counter, 'seconds_involved'); break;
    case E.L_REP_INVITED: user.invited = readFlag(text, user.extra, counter, 'invited'); break;
    case E.L_CUST_USERNAME: customer.username = text; break;
    case E.L_CUST_PUBLIC_IP: customer.publicIp = text; break;
    case E.L_CUST_PRIVATE_IP: customer.privateIp = text; break;
    case E.L_CUST_HOSTNAME: customer.hostname = text; break;
    case E.L_CUST_OS: customer.os = text; break;
    case E.L_CUST_PRIMARY: customer.primaryCust = readFlag(text, customer.extra, counter, 'primary_cust'); break;
    case E.L_CUST_RPAT: customer.rpatSupport = readFlag(text, customer.extra, counter, 'rpat_support'); break;
    case E.L_INFO_NAME: if (customer.info) customer.info.name = text; break;
    case E.L_INFO_COMPANY: if (customer.info) customer.info.company = text; break;
    case E.L_INFO_COMPANY_CODE: if (customer.info) customer.info.companyCode = text; break;
    case E.L_INFO_ISSUE: if (customer.info) customer.info.issue = text; break;
    case E.L_INFO_DETAILS: if (customer.info) customer.info.details = text; break;
    case E.L_INFO_FIELD:
      // A leaf is a survey field; anything deeper went to `extra` as unknown elements.
      if (customer.info && isLeaf) customer.info.fields.push({ name: local, value: text });
      break;
    case E.L_TEAM_ID: open.team.teamId = readInteger(text, open.team.extra, counter, local); break;
    case E.L_TEAM_NAME: open.team.name = text; break;
    case E.L_TEAM_PRIMARY: open.team.isPrimary = readFlag(text, open.team.extra, counter, local); break;
    case E.L_SURVEY_VALUE: open.survey.values.push({ name: attrs.get('name') ?? '', value: attrs.get('value') ?? text }); break;
    default:
      return false;
  }
  return true;
}
