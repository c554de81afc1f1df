import { describe, expect, it } from 'vitest';
import { stageBundles, DEFAULT_STAGE_OPTIONS } from '../../../../sinks/sql/stage-bundles.ts';
import { stagingKeyColumns, TABLES, tableByName } from '../../../../sinks/sql/schema.ts';
import { rowCounts, type StagedBatch, type StagedValue } from '../../../../sinks/sql/staged-batch.ts';
import { ValueTooLongError } from '../../../../sinks/sql/sql-errors.ts';
import type { SessionBundle, SessionKey } from '../../../../src/records.ts';
import { expectedRowCounts, mixedBundles } from '../../../helpers/sql-bundles.ts';

/** The staged rows of one table as objects keyed by column name. */
function rowsOf(batch: StagedBatch, table: string): Record<string, StagedValue>[] {
  const staged = batch.tables.find((t) => t.spec.name === table);
  if (staged === undefined) throw new Error(`no ${table}`);
  const names = [...stagingKeyColumns(staged.spec), ...staged.spec.columns.map((c) => c.name)];
  const rows: Record<string, StagedValue>[] = [];
  for (let at = 0; at < staged.values.length; at += staged.width) {
    rows.push(Object.fromEntries(names.map((name, i) => [name, staged.values[at + i] as StagedValue])));
  }
  return rows;
}

const key: SessionKey = { host: 'pra.example.com', lsid: 'a1b2c3' };

/** A bundle with a distinct value in every field, so a column mapped from the wrong field shows. */
function fullBundle(product: 'rs' | 'pra' | null = 'pra'): SessionBundle {
  return {
    session: {
      kind: 'session', key, product, sessionType: 'support', lseq: 77, startTime: '2024-12-03T15:26:05Z', endTime: '2024-12-03T15:41:07Z', duration: '00:15:02',
      externalKey: 'INC1', publicSiteId: 2, publicSiteName: 'Portal', jumpGroupId: 5, jumpGroupName: 'Servers', jumpGroupType: 'shared',
      jumpointId: 9, jumpointName: 'JP', fileTransferCount: 3, fileMoveCount: 4, fileDeleteCount: 6,
      primaryCustomerGsnumber: '22', primaryCustomerName: 'Endpoint', primaryRepGsnumber: '21', primaryRepId: 1, primaryRepName: 'Admin',
      chatViewUrl: 'cv', chatDownloadUrl: 'cd', recordingViewUrl: 'rv', recordingDownloadUrl: 'rd',
      commandShellRecordings: [{ instance: 0, downloadUrl: 'sd0', viewUrl: 'sv0' }], showMyScreenRecordings: [{ instance: 0, downloadUrl: 'md0', viewUrl: 'mv0' }],
      extra: [{ path: 'rep_join_time', value: 'x' }],
    },
    events: [
      {
        kind: 'event', key, seq: 0, type: 'File Upload', time: '2024-12-03T15:30:00Z',
        performedBy: { gsnumber: '21', type: 'representative', name: 'Admin' }, destination: { gsnumber: '22', type: 'customer', name: 'Endpoint' },
        data: [{ name: 'owner', value: 'Admin' }, { name: 'state', value: 'connected' }], body: 'hello', encodedBody: 'bin\u0001', filename: 'a.txt', filesize: 10,
        files: [{ filename: 'a.txt', filesize: 10 }], extra: [],
      },
      { kind: 'event', key, seq: 1, type: 'System Information Retrieved', time: null, performedBy: null, destination: null, data: [], body: null, encodedBody: null, filename: null, filesize: null, files: [], extra: [] },
    ],
    systemInformation: [{ kind: 'system_information', key, eventSeq: 1, seq: 0, category: 'Drives', description: [{ name: 'd', value: 'Drive' }], rows: [[{ name: 'd', value: 'C:' }]], extra: [] }],
    users: [
      {
        kind: 'user', key, seq: 0, gsnumber: '21', userId: 1, username: 'admin', displayName: 'Admin', publicDisplayName: 'Pub', privateDisplayName: 'Priv', displayNumber: 3,
        publicIp: '1.2.3.4:5', privateIp: '10.0.0.1', hostname: 'host', os: 'os', sessionOwner: true, primaryRep: null, secondsInvolved: 901, invited: false, extra: [],
      },
      {
        kind: 'user', key, seq: 1, gsnumber: '30', userId: 2, username: 'bob', displayName: null, publicDisplayName: null, privateDisplayName: null, displayNumber: null,
        publicIp: null, privateIp: null, hostname: null, os: null, sessionOwner: false, primaryRep: null, secondsInvolved: null, invited: true, extra: [],
      },
    ],
    customers: [{
      kind: 'customer', key, seq: 0, gsnumber: '22', username: 'zoe', publicIp: '4.3.2.1:9', privateIp: '192.168.0.2', hostname: 'ZOE', os: 'Win', primaryCust: true, rpatSupport: false,
      info: { name: 'Zoë', company: 'ACME', companyCode: 'A1', issue: 'Printing', details: 'blank pages', fields: [{ name: 'asset_tag', value: 'AT-1' }] }, extra: [],
    }],
    teams: [{ kind: 'team', key, seq: 0, teamId: 3, name: 'Tier 1', isPrimary: true, extra: [] }],
    customAttributes: [{ kind: 'custom_attribute', key, seq: 0, displayName: 'Priority', codeName: 'priority', value: 'High' }],
    surveys: [{ kind: 'survey', key, seq: 0, surveyType: 'customer', gsnumber: '22', values: [{ name: 'satisfaction', value: '5' }], extra: [] }],
    unknownElements: 1, xmlBytes: 100, origin: { source: 'test', index: 0 },
  };
}

describe('stageBundles', () => {
  it('maps every field of a bundle to its column', () => {
    const { batch, rejected } = stageBundles([fullBundle()]);
    expect(rejected).toEqual([]);
    expect(rowsOf(batch, 'session')).toEqual([{
      batch_index: 0, lsid: 'a1b2c3', host_name: 'pra.example.com', type: 'support', start_time: '2024-12-03T15:26:05Z', end_time: '2024-12-03T15:41:07Z',
      duration: '00:15:02', file_transfers: 3, external_key: 'INC1', public_site_id: 2, public_site_name: 'Portal', jump_group_id: 5, jump_group_name: 'Servers',
      jump_group_type: 'shared', lseq: 77, product: 'pra', file_move_count: 4, file_delete_count: 6, jumpoint_id: 9, jumpoint_name: 'JP',
      primary_customer_gs_number: '22', primary_customer_name: 'Endpoint', primary_rep_gs_number: '21', primary_rep_id: 1, primary_rep_name: 'Admin',
      session_chat_view_url: 'cv', session_chat_download_url: 'cd', session_recording_view_url: 'rv', session_recording_download_url: 'rd',
      unknown_elements: 1, extra: '[{"path":"rep_join_time","value":"x"}]',
    }]);
    expect(rowsOf(batch, 'session_event')[0]).toEqual({
      batch_index: 0, seq: 0, type: 'File Upload', event_time: '2024-12-03T15:30:00Z', performed_by: 'Admin', performed_by_type: 'representative',
      destination: 'Endpoint', destination_type: 'customer', performed_by_gs_number: '21', destination_gs_number: '22', body: 'hello', encoded_body: 'bin\u0001',
      filename: 'a.txt', filesize: 10, extra: null,
    });
    expect(rowsOf(batch, 'session_event_data')).toEqual([
      { batch_index: 0, parent_seq: 0, seq: 0, name: 'owner', value: 'Admin' },
      { batch_index: 0, parent_seq: 0, seq: 1, name: 'state', value: 'connected' },
    ]);
    expect(rowsOf(batch, 'session_event_file')).toEqual([{ batch_index: 0, parent_seq: 0, seq: 0, filename: 'a.txt', filesize: 10 }]);
    expect(rowsOf(batch, 'system_information')).toEqual([{
      batch_index: 0, parent_seq: 1, seq: 0, category: 'Drives', extra: null,
      information: '<description><field name="d">Drive</field></description><data><row><field name="d">C:</field></row></data>',
    }]);
    expect(rowsOf(batch, 'user')).toEqual([
      {
        batch_index: 0, seq: 0, gs_number: '21', user_id: 1, user_name: 'admin', display_name: 'Admin', public_display_name: 'Pub', display_number: 3,
        public_ip: '1.2.3.4:5', private_ip: '10.0.0.1', is_owner: 1, is_primary: 1, duration: 901, host_name: 'host', operating_system: 'os',
        private_display_name: 'Priv', invited: 0, extra: null,
      },
      {
        batch_index: 0, seq: 1, gs_number: '30', user_id: 2, user_name: 'bob', display_name: null, public_display_name: null, display_number: null,
        public_ip: null, private_ip: null, is_owner: 0, is_primary: 0, duration: null, host_name: null, operating_system: null,
        private_display_name: null, invited: 1, extra: null,
      },
    ]);
    expect(rowsOf(batch, 'representative')).toEqual([]);
    expect(rowsOf(batch, 'customer')).toEqual([{
      batch_index: 0, seq: 0, gs_number: '22', issue: 'Printing', issue_description: 'blank pages', display_name: 'Zoë', company_name: 'ACME', company_code: 'A1',
      public_ip: '4.3.2.1:9', private_ip: '192.168.0.2', rpat_support: 0, host_name: 'ZOE', operating_system: 'Win', user_name: 'zoe', primary_cust: 1, info_name: 'Zoë', extra: null,
    }]);
    expect(rowsOf(batch, 'customer_info_field')).toEqual([{ batch_index: 0, parent_seq: 0, seq: 0, name: 'asset_tag', value: 'AT-1' }]);
    expect(rowsOf(batch, 'team')).toEqual([{ batch_index: 0, seq: 0, team_id: 3, name: 'Tier 1', is_primary: 1, extra: null }]);
    expect(rowsOf(batch, 'custom_attribute')).toEqual([{ batch_index: 0, seq: 0, display_name: 'Priority', code_name: 'priority', value: 'High' }]);
    expect(rowsOf(batch, 'session_recording')).toEqual([
      { batch_index: 0, seq: 0, recording_type: 'command_shell', instance: 0, download_url: 'sd0', view_url: 'sv0' },
      { batch_index: 0, seq: 1, recording_type: 'show_my_screen', instance: 0, download_url: 'md0', view_url: 'mv0' },
    ]);
    expect(rowsOf(batch, 'exit_survey')).toEqual([{ batch_index: 0, seq: 0, survey_type: 'customer', gs_number: '22', extra: null }]);
    expect(rowsOf(batch, 'exit_survey_value')).toEqual([{ batch_index: 0, parent_seq: 0, seq: 0, name: 'satisfaction', value: '5' }]);
  });

  it('puts RS representatives in `representative`, PRA ones in `user`, and unknown-product ones where the option says', () => {
    expect(rowsOf(stageBundles([fullBundle('rs')]).batch, 'representative')).toHaveLength(2);
    expect(rowsOf(stageBundles([fullBundle(null)]).batch, 'representative')).toHaveLength(2);
    const asUser = stageBundles([fullBundle(null)], { ...DEFAULT_STAGE_OPTIONS, unknownProductParticipants: 'user' }).batch;
    expect(rowsOf(asUser, 'user')).toHaveLength(2);
    expect(rowsOf(asUser, 'representative')).toHaveLength(0);
  });

  it('takes is_primary from the RS primary_rep flag when present', () => {
    const bundle = fullBundle('rs');
    const rs = { ...bundle, users: bundle.users.map((u) => ({ ...u, primaryRep: u.seq === 1 })) };
    expect(rowsOf(stageBundles([rs]).batch, 'representative').map((r) => r.is_primary)).toEqual([0, 1]);
  });

  it('leaves system information out when storeSystemInformation is false', () => {
    const { batch } = stageBundles([fullBundle()], { ...DEFAULT_STAGE_OPTIONS, storeSystemInformation: false });
    expect(rowsOf(batch, 'system_information')).toEqual([]);
    expect(rowsOf(batch, 'session_event')).toHaveLength(2);
  });

  it('stages every table in whole rows, as many as the bundles hold', () => {
    const bundles = mixedBundles(30);
    const { batch } = stageBundles(bundles);
    for (const table of batch.tables) expect(table.values.length % table.width).toBe(0);
    expect(rowCounts(batch)).toEqual(expectedRowCounts(bundles));
    expect(batch.tables.map((t) => t.spec.name)).toEqual(TABLES.map((t) => t.name));
  });

  it('keeps the later copy of a session key that appears twice', () => {
    const first = fullBundle();
    const later = { ...fullBundle(), session: { ...fullBundle().session, endTime: null, duration: '00:01:00' } };
    const { batch, superseded } = stageBundles([later, first, { ...fullBundle(), session: { ...fullBundle().session, key: { ...key, lsid: 'other' } } }, later]);
    expect(superseded).toBe(2);
    expect(rowsOf(batch, 'session').map((r) => [r.lsid, r.duration, r.batch_index])).toEqual([['other', '00:15:02', 0], ['a1b2c3', '00:01:00', 1]]);
  });

  it('rejects only the session with a value too long for its column and names table, column, lsid and size', () => {
    const good = mixedBundles(3);
    const bad = fullBundle();
    const badBundle = { ...bad, customers: bad.customers.map((c) => ({ ...c, os: 'é'.repeat(256) })) };
    const { batch, rejected } = stageBundles([good[0] as SessionBundle, badBundle, good[1] as SessionBundle, good[2] as SessionBundle]);
    expect(batch.sessions).toEqual(good);
    expect(rowCounts(batch)).toEqual(expectedRowCounts(good));
    expect(rejected).toHaveLength(1);
    const error = rejected[0]?.error as ValueTooLongError;
    expect(error).toBeInstanceOf(ValueTooLongError);
    expect([error.table, error.column, error.key.lsid, error.length, error.maxLength]).toEqual(['customer', 'operating_system', 'a1b2c3', 256, tableByName('customer').columns.find((c) => c.name === 'operating_system')?.maxLength]);
    expect(error.code).toBe('value_too_long');
    expect(error.message).toMatch(/^session lsid=a1b2c3 \(host pra\.example\.com\): value too long for customer\.operating_system: 256 characters, the column holds 255\./);
    expect(rowsOf(batch, 'session').map((r) => r.batch_index)).toEqual([0, 1, 2]);
  });

  it('measures lengths in UTF-16 code units, as nvarchar(n) does', () => {
    const bundle = fullBundle();
    const emoji = { ...bundle, customers: bundle.customers.map((c) => ({ ...c, os: '🚀'.repeat(128) })) }; // 256 code units
    expect(stageBundles([emoji]).rejected).toHaveLength(1);
    const fits = { ...bundle, customers: bundle.customers.map((c) => ({ ...c, os: '🚀'.repeat(127) })) };
    expect(stageBundles([fits]).rejected).toHaveLength(0);
  });
});
