import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFileNameFormat } from '../../../../sinks/file/file-name-format.ts';
import { containedJoin, destinationFlavor, isReservedWindowsName, MAX_COMPONENT_BYTES, sanitizeComponent, sanitizeValue } from '../../../../sinks/file/path-safety.ts';

const format = (text: string) => compileFileNameFormat(text, { configKey: 'test.format', allowed: ['LSID', 'EXTERNAL_KEY', 'SESSION_TYPE', 'EXTENSION'] });

/** Every path the hostile values produce must stay inside the root. */
function expectInside(root: string, file: string, p: path.PlatformPath): void {
  const relative = p.relative(root, file);
  expect(relative.startsWith('..'), `${file} escapes ${root}`).toBe(false);
  expect(p.isAbsolute(relative)).toBe(false);
  expect(file.startsWith(root + p.sep)).toBe(true);
}

const HOSTILE = ['../../x', '..', '.', '/etc/passwd', 'C:\\Windows\\x', 'C:x', '\\\\server\\share', '//server/share', 'CON', 'nul.txt', 'COM1', 'lpt9 .flv', 'a/../../b', 'x'.repeat(300), 'é'.repeat(300), 'trailing. . ', 'tab\there', '<>:"|?*', '.sra-etl'];

describe('sanitizeValue', () => {
  it('removes every separator, colon and Windows-invalid character', () => {
    expect(sanitizeValue('../../x')).toBe('.._.._x');
    expect(sanitizeValue('C:\\Windows\\x')).toBe('C__Windows_x');
    expect(sanitizeValue('\\\\server\\share')).toBe('__server_share');
    expect(sanitizeValue('a<b>c:d"e|f?g*h\u0001i\u007f')).toBe('a_b_c_d_e_f_g_h_i_');
  });
});

describe('sanitizeComponent', () => {
  it('never yields ".", "..", an empty name or a hidden name', () => {
    expect(sanitizeComponent('..')).toBe('__');
    expect(sanitizeComponent('.')).toBe('_');
    expect(sanitizeComponent('')).toBe('_');
    expect(sanitizeComponent('.sra-etl')).toBe('_sra-etl');
  });

  it('prefixes reserved Windows device names, with or without an extension', () => {
    for (const name of ['CON', 'con', 'PRN', 'AUX', 'NUL', 'COM1', 'com9', 'LPT1', 'CON.xml', 'nul.txt', 'COM1 .flv', 'CONIN$']) {
      expect(isReservedWindowsName(name), name).toBe(true);
      expect(isReservedWindowsName(sanitizeComponent(name)), name).toBe(false);
      expect(sanitizeComponent(name).startsWith('_')).toBe(true);
    }
    expect(sanitizeComponent('CONSOLE.xml')).toBe('CONSOLE.xml');
    expect(sanitizeComponent('COM10')).toBe('COM10');
  });

  it('replaces trailing dots and spaces, which Windows would silently drop', () => {
    expect(sanitizeComponent('name. .')).toBe('name___');
    expect(sanitizeComponent('report.xml ')).toBe('report.xml_');
  });

  it('shortens overlong names on a character boundary, keeps the extension and keeps distinct keys distinct', () => {
    const a = sanitizeComponent(`${'k'.repeat(300)}-a.flv`);
    const b = sanitizeComponent(`${'k'.repeat(300)}-b.flv`);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(MAX_COMPONENT_BYTES);
    expect(a.endsWith('.flv')).toBe(true);
    expect(a).not.toBe(b);
    const multibyte = sanitizeComponent(`${'é'.repeat(300)}.xml`);
    expect(Buffer.byteLength(multibyte)).toBeLessThanOrEqual(MAX_COMPONENT_BYTES);
    expect(multibyte).not.toContain('\uFFFD');
    expect(Buffer.from(multibyte, 'utf8').toString('utf8')).toBe(multibyte);
  });
});

describe('hostile report values never leave the destination', () => {
  it.each(['posix', 'win32'] as const)('%s destination', (flavor) => {
    const p = flavor === 'win32' ? path.win32 : path.posix;
    const root = flavor === 'win32' ? '\\\\server\\share\\sra\\recordings' : '/srv/sra/recordings';
    const fmt = format('%SESSION_TYPE%/%EXTERNAL_KEY%-%LSID%.%EXTENSION%');
    for (const value of HOSTILE) {
      const components = fmt.render({ SESSION_TYPE: value, EXTERNAL_KEY: value, LSID: value, EXTENSION: value });
      expect(components).toHaveLength(2);
      for (const component of components) {
        // eslint-disable-next-line no-control-regex -- control characters must never reach a file name
        expect(component).not.toMatch(/[\\/:<>"|?*\u0000-\u001f]/);
        expect(isReservedWindowsName(component)).toBe(false);
        expect(component).not.toMatch(/^\.|[. ]$/);
        expect(Buffer.byteLength(component)).toBeLessThanOrEqual(MAX_COMPONENT_BYTES);
      }
      expectInside(root, containedJoin(root, components, flavor), p);
    }
  });

  it('containedJoin refuses components that would climb out (a guard behind the sanitiser)', () => {
    expect(() => containedJoin('/srv/sra', ['..', 'x'], 'posix')).toThrow(/not inside the destination/);
    expect(() => containedJoin('/srv/sra', ['/etc/passwd'], 'posix')).toThrow(/not inside the destination/);
    expect(() => containedJoin('\\\\server\\share\\sra', ['C:\\Windows'], 'win32')).toThrow(/not inside the destination/);
    expect(() => containedJoin('\\\\server\\share\\sra', ['\\\\other\\share'], 'win32')).toThrow(/not inside the destination/);
  });
});

describe('destinationFlavor', () => {
  it('uses Windows rules for UNC and drive-letter destinations, and on Windows', () => {
    expect(destinationFlavor('\\\\server\\share\\dir', 'linux')).toBe('win32');
    expect(destinationFlavor('C:\\data', 'linux')).toBe('win32');
    expect(destinationFlavor('/srv/sra', 'linux')).toBe('posix');
    expect(destinationFlavor('./out', 'linux')).toBe('posix');
    expect(destinationFlavor('out', 'win32')).toBe('win32');
  });
});
