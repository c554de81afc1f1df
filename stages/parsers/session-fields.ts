/**
 * Mapper for the session element's own children: its scalars (`lseq`, times, `public_site`,
 * `jump_group`, `jumpoint`, `primary_customer`, `primary_rep`, counts, URLs), custom attributes,
 * and command-shell / Show My Screen recordings.
 */
import * as E from './report-elements.ts';
import { readInteger, readTime, type ExtraCounter } from './leaf-values.ts';
import type { OpenRecords } from './open-records.ts';
import { newRecording } from './record-drafts.ts';
import type { TagAttributes } from './tag-attributes.ts';

/** `command_shell_recording` / `show_my_screen_recording`: `@instance`, else its position in the list. */
export function openRecording(open: OpenRecords, attrs: TagAttributes, showMyScreen: boolean, counter: ExtraCounter, path: string): void {
  const list = showMyScreen ? open.session.showMyScreenRecordings : open.session.commandShellRecordings;
  const instance = readInteger(attrs.get('instance'), open.session.extra, counter, `${path}@instance`);
  open.recording = newRecording(instance ?? list.length);
  list.push(open.recording);
}

/** Stores the text (and attributes) of a session-level leaf. Returns false for a code it does not own. */
export function closeSessionLeaf(code: number, text: string, attrs: TagAttributes, open: OpenRecords, counter: ExtraCounter): boolean {
  const session = open.session;
  const extra = session.extra;
  switch (code) {
    case E.L_SESSION_TYPE: session.sessionType = text; break;
    case E.L_LSEQ: session.lseq = readInteger(text, extra, counter, 'lseq'); break;
    case E.L_START_TIME: session.startTime = readTime(attrs.get('timestamp'), text, extra, counter, 'start_time'); break;
    case E.L_END_TIME: session.endTime = readTime(attrs.get('timestamp'), text, extra, counter, 'end_time'); break;
    case E.L_DURATION: session.duration = text; break;
    case E.L_PUBLIC_SITE:
      session.publicSiteId = readInteger(attrs.get('id'), extra, counter, 'public_site@id');
      session.publicSiteName = text;
      break;
    case E.L_EXTERNAL_KEY: session.externalKey = text; break;
    case E.L_CUSTOM_ATTRIBUTE:
      open.customAttributes.push({
        kind: 'custom_attribute', key: open.key, seq: open.customAttributes.length,
        displayName: attrs.get('display_name') ?? null, codeName: attrs.get('code_name') ?? null, value: text,
      });
      break;
    case E.L_CHAT_VIEW_URL: session.chatViewUrl = text; break;
    case E.L_CHAT_DOWNLOAD_URL: session.chatDownloadUrl = text; break;
    case E.L_RECORDING_VIEW_URL: session.recordingViewUrl = text; break;
    case E.L_RECORDING_DOWNLOAD_URL: session.recordingDownloadUrl = text; break;
    case E.L_FILE_TRANSFER_COUNT: session.fileTransferCount = readInteger(text, extra, counter, 'file_transfer_count'); break;
    case E.L_FILE_MOVE_COUNT: session.fileMoveCount = readInteger(text, extra, counter, 'file_move_count'); break;
    case E.L_FILE_DELETE_COUNT: session.fileDeleteCount = readInteger(text, extra, counter, 'file_delete_count'); break;
    case E.L_PRIMARY_CUSTOMER:
      session.primaryCustomerGsnumber = attrs.get('gsnumber') ?? null;
      session.primaryCustomerName = text;
      break;
    case E.L_PRIMARY_REP:
      session.primaryRepGsnumber = attrs.get('gsnumber') ?? null;
      session.primaryRepId = readInteger(attrs.get('id'), extra, counter, 'primary_rep@id');
      session.primaryRepName = text;
      break;
    case E.L_JUMP_GROUP:
      session.jumpGroupType = attrs.get('type') ?? null;
      session.jumpGroupId = readInteger(attrs.get('id'), extra, counter, 'jump_group@id');
      session.jumpGroupName = text;
      break;
    case E.L_JUMPOINT:
      session.jumpointId = readInteger(attrs.get('id'), extra, counter, 'jumpoint@id');
      session.jumpointName = text;
      break;
    case E.L_REC_DOWNLOAD_URL: open.recording.downloadUrl = text; break;
    case E.L_REC_VIEW_URL: open.recording.viewUrl = text; break;
    default:
      return false;
  }
  return true;
}

/** `scheme://[user@]host[:port]/…` -> host; IPv6 literals keep their brackets, as URL.hostname does. */
const URL_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]/?#]*\]|[^:/?#]*)/i;

/** The site host named by a session's download URLs (they all point at the site it ran on). */
export function urlHost(session: OpenRecords['session']): string | null {
  const url = session.chatDownloadUrl ?? session.chatViewUrl ?? session.recordingDownloadUrl ?? session.recordingViewUrl
    ?? session.commandShellRecordings[0]?.downloadUrl ?? session.commandShellRecordings[0]?.viewUrl
    ?? session.showMyScreenRecordings[0]?.downloadUrl ?? session.showMyScreenRecordings[0]?.viewUrl;
  if (!url) return null;
  const host = URL_HOST.exec(url.trim())?.[1];
  return host ? host.toLowerCase() : null;
}
