/** system_information.information: the category's description and rows as XML, escaped, in order. */
import { describe, expect, it } from 'vitest';
import { systemInformationXml } from '../../../../sinks/sql/system-information-xml.ts';

describe('systemInformationXml', () => {
  it('writes every description field and row in order, empty rows included, with text and attributes escaped', () => {
    const xml = systemInformationXml({
      description: [{ name: 'name', value: 'Name' }, { name: 'a"b', value: 'x < y & z' }],
      rows: [
        [{ name: 'name', value: 'C:\\ & D:\\' }, { name: 'a"b', value: '>' }],
        [],
        [{ name: 'tab\there\nnl\r', value: 'plain' }],
      ],
    });
    expect(xml).toBe(
      '<description><field name="name">Name</field><field name="a&quot;b">x &lt; y &amp; z</field></description>'
      + '<data><row><field name="name">C:\\ &amp; D:\\</field><field name="a&quot;b">&gt;</field></row><row></row>'
      + '<row><field name="tab&#9;here&#10;nl&#13;">plain</field></row></data>',
    );
  });

  it('writes an empty category as empty description and data', () => {
    expect(systemInformationXml({ description: [], rows: [] })).toBe('<description></description><data></data>');
  });
});
