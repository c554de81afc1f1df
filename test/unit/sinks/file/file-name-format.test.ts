import { describe, expect, it } from 'vitest';
import { compileFileNameFormat, dateParts, GUIDE_VALUES } from '../../../../sinks/file/file-name-format.ts';
import { DEFAULT_TYPE_SETTINGS, TYPE_VALUES } from '../../../../sinks/file/file-sink-options.ts';

const compile = (format: string, allowed = TYPE_VALUES['shell-recordings']) => compileFileNameFormat(format, { configKey: 'recordings.format', allowed });

describe('compileFileNameFormat', () => {
  it("renders the guide's default session data name", () => {
    const fmt = compile(DEFAULT_TYPE_SETTINGS.sessions.format, TYPE_VALUES.sessions);
    expect(fmt.render({ LSEQ: 42, LSID: 'e9e99aeb9ad54fb381634498502c5a1b' })).toEqual(['42-e9e99aeb9ad54fb381634498502c5a1b.xml']);
  });

  it("renders the guide's recording example name", () => {
    const fmt = compile(DEFAULT_TYPE_SETTINGS.recordings.format, TYPE_VALUES.recordings);
    expect(fmt.render({ SUPPORT_SITE_HOST: 'support.example.com', SESSION_TYPE: 'support', LSID: '1234', EXTENSION: 'flv' })).toEqual(['support.example.com-support-1234.flv']);
  });

  it('accepts every guide value where it applies, adjacent values and literal percent signs', () => {
    const fmt = compile(GUIDE_VALUES.map((name) => `%${name}%`).join('_'));
    expect(fmt.uses.size).toBe(GUIDE_VALUES.length);
    expect(compile('%LSEQ%%LSID%.xml').render({ LSEQ: 1, LSID: 'a' })).toEqual(['1a.xml']);
    expect(compile('100%-%LSID%.xml').render({ LSID: 'a' })).toEqual(['100%-a.xml']);
  });

  it('makes sub-folders from the format text only, with either separator', () => {
    expect(compile('%START_YEAR%/%START_MONTH%\\%LSID%.%EXTENSION%').render({ START_YEAR: '2024', START_MONTH: '12', LSID: 'x', EXTENSION: 'flv' })).toEqual(['2024', '12', 'x.flv']);
    expect(compile('%EXTERNAL_KEY%/%LSID%.xml').render({ EXTERNAL_KEY: 'a/b', LSID: 'x' })).toEqual(['a_b', 'x.xml']);
    expect(compile('%EXTERNAL_KEY%/%LSID%.xml').render({ EXTERNAL_KEY: '', LSID: 'x' })).toEqual(['_', 'x.xml']);
  });

  it('renders missing and null values as empty text', () => {
    expect(compile('%LSEQ%-%EXTERNAL_KEY%-%LSID%.xml').render({ LSEQ: null, LSID: 'x' })).toEqual(['--x.xml']);
  });

  it('reports an unknown name, naming it', () => {
    expect(() => compile('%LSID%-%SESSION_ID%.xml')).toThrow(/recordings\.format .*unknown replacement value %SESSION_ID%/);
  });

  it('is case-sensitive, with a hint', () => {
    expect(() => compile('%lseq%-%LSID%.xml')).toThrow(/%lseq% is not a replacement value; replacement values are case-sensitive: did you mean %LSEQ%\?/);
    expect(() => compile('%Lsid2%.xml')).toThrow(/only UPPER CASE letters and underscores/);
  });

  it('rejects values the data type does not have', () => {
    expect(() => compileFileNameFormat('%LSID%-%INSTANCE%.xml', { configKey: 'sessions.format', allowed: TYPE_VALUES.sessions })).toThrow(/sessions\.format .*%INSTANCE% cannot be used here/);
    expect(() => compileFileNameFormat('%LSID%.nsb', { configKey: 'backups.format', allowed: TYPE_VALUES.backups })).toThrow(/%LSID% cannot be used here/);
  });

  it('rejects formats that would leave the destination or that Windows cannot store', () => {
    for (const bad of ['/abs/%LSID%.xml', '\\%LSID%.xml', 'C:\\x\\%LSID%.xml', 'C:%LSID%.xml', '\\\\server\\share\\%LSID%.xml', '../%LSID%.xml', 'a/../../%LSID%.xml', './%LSID%.xml', 'a//%LSID%.xml', '%LSID%/', 'a|b-%LSID%.xml', 'what?%LSID%', '']) {
      expect(() => compile(bad), bad).toThrow(/recordings\.format/);
    }
  });
});

describe('dateParts', () => {
  it('gives UTC date and time parts', () => {
    expect(dateParts('2024-12-03T15:26:05Z')).toEqual({ date: '2024-12-03', time: '152605', year: '2024', month: '12', day: '03' });
    expect(dateParts(null)).toBeNull();
    expect(dateParts('not a date')).toBeNull();
  });
});
