/**
 * Mapper for `session_details/event`: the event's attributes, `performed_by` / `destination`,
 * `data/value` pairs, `body` and `encoded_body` (base64-decoded), file names and sizes, and the
 * system information it carries (`category` -> `description/field`, `data/row/field`, fields keyed
 * by `@name` or the older `@id`).
 */
import * as E from './report-elements.ts';
import { readBase64, readInteger, readTime, type ExtraCounter } from './leaf-values.ts';
import type { OpenRecords } from './open-records.ts';
import { newEvent, newEventFile, newSystemInformation } from './record-drafts.ts';
import type { TagAttributes } from './tag-attributes.ts';

export function openEvent(open: OpenRecords, attrs: TagAttributes, counter: ExtraCounter): OpenRecords['event'] {
  const event = newEvent(open.key, open.events.length, attrs.get('event_type') ?? null);
  const stamp = attrs.get('timestamp');
  if (stamp !== undefined) event.time = readTime(stamp, null, event.extra, counter, '');
  open.events.push(event);
  open.event = event;
  open.categorySeq = 0;
  return event;
}

export function openCategory(open: OpenRecords, attrs: TagAttributes): OpenRecords['category'] {
  const category = newSystemInformation(open.key, open.event.seq, open.categorySeq++, attrs.get('name') ?? '');
  open.systemInformation.push(category);
  open.category = category;
  return category;
}

export function openRow(open: OpenRecords): void {
  open.row = [];
  open.category.rows.push(open.row);
}

export function openEventFile(open: OpenRecords): void {
  open.file = newEventFile();
  open.event.files.push(open.file);
}

/**
 * Stores a leaf of the open event. A participant written self-closing (`<performed_by … />`) has no
 * name (`null`); an empty one (`<performed_by …></performed_by>`) has `''`. Returns false for a
 * code it does not own.
 */
export function closeEventLeaf(code: number, text: string, attrs: TagAttributes, open: OpenRecords, counter: ExtraCounter, selfClosing: boolean): boolean {
  const event = open.event;
  switch (code) {
    case E.L_PERFORMED_BY:
      event.performedBy = { gsnumber: attrs.get('gsnumber') ?? null, type: attrs.get('type') ?? null, name: selfClosing ? null : text };
      break;
    case E.L_DESTINATION:
      event.destination = { gsnumber: attrs.get('gsnumber') ?? null, type: attrs.get('type') ?? null, name: selfClosing ? null : text };
      break;
    case E.L_DATA_VALUE: event.data.push({ name: attrs.get('name') ?? '', value: attrs.get('value') ?? text }); break;
    case E.L_BODY: event.body = text; break;
    case E.L_ENCODED_BODY: event.encodedBody = readBase64(text, event.extra, counter, 'encoded_body'); break;
    case E.L_EVENT_FILENAME: event.filename = text; break;
    case E.L_EVENT_FILESIZE: event.filesize = readInteger(text, event.extra, counter, 'filesize'); break;
    case E.L_FILE_FILENAME: open.file.filename = text; break;
    case E.L_FILE_FILESIZE: open.file.filesize = readInteger(text, event.extra, counter, 'files/file/filesize'); break;
    case E.L_DESCRIPTION_FIELD: open.category.description.push({ name: attrs.get('name') ?? attrs.get('id') ?? '', value: text }); break;
    case E.L_ROW_FIELD: open.row.push({ name: attrs.get('name') ?? attrs.get('id') ?? '', value: text }); break;
    default:
      return false;
  }
  return true;
}
