/** The README's schema section documents every table and column the SQL sink creates. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../../../sinks/sql/schema.ts';

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

/** The README text of one `#### \`table\`` section. */
function section(table: string): string {
  const start = readme.search(new RegExp(`^#### \`${table}\``, 'm'));
  if (start < 0) return '';
  const rest = readme.slice(readme.indexOf('\n', start) + 1);
  const end = rest.search(/^#{2,4} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('README schema section', () => {
  it.each(TABLES.map((t) => [t.name, t] as const))('documents every column of %s, guide columns marked', (_name, table) => {
    const text = section(table.name);
    expect(text, `README has no section for ${table.name}`).not.toBe('');
    for (const column of table.columns) {
      const row = new RegExp(`^\\| \`${column.name}\` \\| ${column.guide ? '✓' : ' ?'} \\|`, 'm');
      expect(text, `${table.name}.${column.name}`).toMatch(row);
    }
    if (table.parent !== null) expect(text).toContain(`| \`${table.parent.column}\` |`);
  });
});
