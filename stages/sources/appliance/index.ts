/**
 * The appliance source: HTTP client, report reading, downloads. Import from here.
 *
 *   const client = new ApplianceClient({ site: 'support.example.com', credentials: { kind: 'oauth', clientId, clientSecret } });
 *   const download = await downloadRecording(client, { product: 'pra', lsid });
 *   await pipeline(download.body, createWriteStream(tmp));
 */
export { ApplianceClient, readAll, type ApiCall, type ApiResponse, type ApplianceClientOptions, type ApplianceCredentials, type ClientStats } from './appliance-client.ts';
export { applianceReportError, findApplianceError, type ApplianceErrorText } from './appliance-error.ts';
export { downloadBackup, downloadRecording, recordingCall, type BackupRequest, type Download, type RecordingKind, type RecordingRequest } from './downloads.ts';
export { listingCall, readListing, readReport, readSessionReport, sessionReportCall, type ReadOptions, type ReportParser, type SessionQuery, type TimeWindow } from './report-source.ts';
export { parseSiteAddress, type SiteAddress } from './site-address.ts';
