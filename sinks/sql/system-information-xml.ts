/**
 * The guide's `system_information.information` column "contains multiple <field> elements": we store
 * the category's `<description>` and `<data>` children as XML, the shape the appliance sent, so the
 * column labels and every row survive and SQL Server can still query it with its XML functions.
 */
import type { SystemInformationRecord, SystemInformationField } from '../../src/records.ts';

const SPECIAL_TEXT = /[&<>]/;
const SPECIAL_ATTR = /[&<>"\r\n\t]/;
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;' };

const escapeText = (text: string): string => (SPECIAL_TEXT.test(text) ? text.replace(/[&<>]/g, (c) => ENTITIES[c] as string) : text);
const escapeAttr = (text: string): string => (SPECIAL_ATTR.test(text) ? text.replace(/[&<>"\r\n\t]/g, (c) => ENTITIES[c] as string) : text);

function fields(list: readonly SystemInformationField[]): string {
  let xml = '';
  for (const field of list) xml += `<field name="${escapeAttr(field.name)}">${escapeText(field.value)}</field>`;
  return xml;
}

/** `<description><field name="…">label</field>…</description><data><row><field name="…">value</field>…</row>…</data>` */
export function systemInformationXml(info: Pick<SystemInformationRecord, 'description' | 'rows'>): string {
  let xml = `<description>${fields(info.description)}</description><data>`;
  for (const row of info.rows) xml += `<row>${fields(row)}</row>`;
  return `${xml}</data>`;
}
