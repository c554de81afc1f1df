/**
 * Child process for the big-download test: stores the session recording of one session from the
 * appliance (simulator) at `--url` into `--dest` with the file sink and the real appliance client,
 * then prints one JSON line with its report and peak RSS. The parent kills it mid-download or
 * measures it. It imports only what a download needs, so the RSS it reports is the download's and
 * not a test generator's.
 */
import { flushCompileCache } from 'node:module';
import { parseArgs } from 'node:util';
import { FileSink } from '../../../sinks/file/file-sink.ts';
import type { SessionBundle, SessionRecord } from '../../../src/records.ts';
import { silentLogger } from '../../../src/stage.ts';
import { peakRssBytes } from '../../helpers/peak-rss.ts';
import { simulatorClient, simulatorFetcher } from '../../helpers/simulator-fetcher.ts';

const { values } = parseArgs({ options: { url: { type: 'string' }, dest: { type: 'string' }, lsid: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' } } });
if (values.url === undefined || values.dest === undefined || values.lsid === undefined || values['client-id'] === undefined || values['client-secret'] === undefined) {
  throw new Error('usage: download-child.ts --url URL --client-id ID --client-secret SECRET --dest DIR --lsid LSID');
}

const key = { host: 'support.example.com', lsid: values.lsid };
const url = `https://${key.host}/session_download?lsid=l%3D${key.lsid}&dl_action=recording`;
const session: SessionRecord = {
  kind: 'session', key, product: 'pra', sessionType: 'support', lseq: 1, startTime: '2024-12-01T00:00:00Z', endTime: '2024-12-01T01:00:00Z', duration: '01:00:00',
  externalKey: '', publicSiteId: null, publicSiteName: null, jumpGroupId: null, jumpGroupName: null, jumpGroupType: null, jumpointId: null, jumpointName: null,
  fileTransferCount: 0, fileMoveCount: 0, fileDeleteCount: 0, primaryCustomerGsnumber: null, primaryCustomerName: null, primaryRepGsnumber: null, primaryRepId: null, primaryRepName: null,
  chatViewUrl: null, chatDownloadUrl: null, recordingViewUrl: `${url}&view=1`, recordingDownloadUrl: url, commandShellRecordings: [], showMyScreenRecordings: [], extra: [],
};
const bundle: SessionBundle = { session, events: [], systemInformation: [], users: [], customers: [], teams: [], customAttributes: [], surveys: [], unknownElements: 0, xmlBytes: 0, origin: { source: 'test', index: 0 } };

const ctx = { signal: new AbortController().signal, logger: silentLogger };
const client = simulatorClient({ url: values.url, clientId: values['client-id'], clientSecret: values['client-secret'] });
const sink = new FileSink({ root: values.dest, types: ['recordings'] }, { fetcher: simulatorFetcher(client, 'pra') });
await sink.connect(ctx);
flushCompileCache(); // so that even a run killed mid-download leaves the cache for the next
process.stdout.write(`${JSON.stringify({ connected: true, maxRssAtStartBytes: peakRssBytes() })}\n`);
await sink.writeBatch([bundle], ctx);
await sink.close();
await client.close();
process.stdout.write(`${JSON.stringify({ report: sink.report, maxRssBytes: peakRssBytes() })}\n`);
