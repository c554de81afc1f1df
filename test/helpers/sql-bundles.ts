/**
 * Session bundles for SQL tests: generated sessions (the seeded generator), their in-progress
 * views, and the row counts each table must end up with, computed straight from the bundles (an
 * oracle independent of the sink's staging code).
 */
import { planSession } from '../../fixtures/generator/generate-report.ts';
import { syntheticSession } from '../../fixtures/generator/synthetic-session.ts';
import type { Product, SessionBundle } from '../../src/records.ts';

export interface GenerateOptions {
  readonly seed?: string | number;
  readonly product?: Product;
  readonly host?: string;
  /** Render each session as the appliance would have reported it this many seconds after it started. */
  readonly inProgressAfterSeconds?: number;
}

export function generatedBundles(count: number, options: GenerateOptions = {}, first = 0): SessionBundle[] {
  const bundles: SessionBundle[] = [];
  for (let i = first; i < first + count; i++) {
    const plan = planSession({ seed: options.seed ?? 7, product: options.product ?? 'pra', ...(options.host === undefined ? {} : { host: options.host }) }, i);
    const asOf = options.inProgressAfterSeconds === undefined ? undefined : plan.start + options.inProgressAfterSeconds;
    bundles.push(syntheticSession(asOf === undefined ? plan : { ...plan, asOf }));
  }
  return bundles;
}

/** Mixed RS and PRA sessions from two sites. */
export function mixedBundles(count: number, seed: string | number = 11): SessionBundle[] {
  const half = Math.ceil(count / 2);
  return [
    ...generatedBundles(half, { seed, product: 'pra', host: 'pra.example.com' }),
    ...generatedBundles(count - half, { seed, product: 'rs', host: 'rs.example.com' }),
  ];
}

export interface CountOptions {
  readonly storeSystemInformation?: boolean;
  /** Table for sessions with no product. Default 'representative'. */
  readonly unknownProduct?: 'user' | 'representative';
}

/** Rows per table after loading `bundles` (the last copy of each session key wins). */
export function expectedRowCounts(bundles: readonly SessionBundle[], options: CountOptions = {}): Record<string, number> {
  const latest = new Map<string, SessionBundle>();
  for (const b of bundles) latest.set(`${b.session.key.host}|${b.session.key.lsid}`, b);
  const counts: Record<string, number> = {
    session: 0, session_event: 0, session_event_data: 0, session_event_file: 0, system_information: 0, user: 0, representative: 0,
    customer: 0, customer_info_field: 0, team: 0, custom_attribute: 0, session_recording: 0, exit_survey: 0, exit_survey_value: 0,
  };
  const add = (table: string, n: number) => {
    counts[table] = (counts[table] ?? 0) + n;
  };
  for (const b of latest.values()) {
    add('session', 1);
    add('session_event', b.events.length);
    for (const e of b.events) {
      add('session_event_data', e.data.length);
      add('session_event_file', e.files.length);
    }
    if (options.storeSystemInformation !== false) add('system_information', b.systemInformation.length);
    const participants = b.session.product === 'pra' ? 'user' : b.session.product === 'rs' ? 'representative' : (options.unknownProduct ?? 'representative');
    add(participants, b.users.length);
    add('customer', b.customers.length);
    for (const c of b.customers) add('customer_info_field', c.info?.fields.length ?? 0);
    add('team', b.teams.length);
    add('custom_attribute', b.customAttributes.length);
    add('session_recording', b.session.commandShellRecordings.length + b.session.showMyScreenRecordings.length);
    add('exit_survey', b.surveys.length);
    for (const s of b.surveys) add('exit_survey_value', s.values.length);
  }
  return counts;
}
