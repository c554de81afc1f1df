import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogsConfig } from '../../../src/config/config-types.ts';
import { Secret } from '../../../src/config/secret.ts';
import { createLogger } from '../../../src/logging/create-logger.ts';
import { deleteOldLogFiles } from '../../../src/logging/log-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'sra-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function logsConfig(directory: string, overrides: Partial<LogsConfig> = {}): LogsConfig {
  return { directory, level: 'info', console: 'json', deleteAfterDays: 7, rotate: 'daily', maxFileMegabytes: 50, ...overrides };
}

function capture(): PassThrough & { text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return Object.assign(stream, { text: () => text });
}

describe('logger', () => {
  it('writes JSON lines to the console and a rotating file, with every secret masked', async () => {
    const secret = new Secret('Lg$ecret"9/x', 'test');
    const directory = join(dir, 'masked');
    const consoleStream = capture();
    const handle = await createLogger(logsConfig(directory), { console: consoleStream });
    handle.logger.info({ url: 'postgres://sra:Lg$ecret"9/x@db/bt', site: 'support' }, 'connecting with Lg$ecret"9/x');
    handle.logger.error({ err: new Error('login refused for Lg$ecret"9/x'), encoded: encodeURIComponent('Lg$ecret"9/x') }, 'transfer failed');
    handle.logger.info({ secret }, 'a Secret object prints as stars');
    handle.logger.info({ password: 'plain-field-value', nested: { clientSecret: 'another-value' } }, 'secret-named fields are censored');
    await handle.close();
    const files = readdirSync(directory);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^sra-etl\.\d{4}-\d{2}-\d{2}\.1\.log$/);
    const fileText = readFileSync(join(directory, files[0] as string), 'utf8');
    for (const text of [fileText, consoleStream.text()]) {
      const lines = text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((line) => line.msg)).toEqual(['connecting with ***', 'transfer failed', 'a Secret object prints as stars', 'secret-named fields are censored']);
      expect(lines[0]?.url).toBe('postgres://sra:***@db/bt');
      expect(text).not.toContain('Lg$ecret');
      expect(text).not.toContain(encodeURIComponent('Lg$ecret"9/x'));
      expect(text).not.toContain('plain-field-value');
      expect(text).not.toContain('another-value');
      expect(lines[2]?.secret).toBe('***');
    }
  });

  it('draws readable lines on a terminal and respects the console level', async () => {
    const consoleStream = capture();
    const handle = await createLogger(logsConfig(join(dir, 'pretty'), { console: 'pretty' }), { console: consoleStream, consoleLevel: 'warn', files: false });
    handle.logger.info({ schedule: 'Sessions' }, 'not shown on the console');
    handle.logger.warn({ schedule: 'Sessions', runId: 3 }, 'run failed; will retry');
    await handle.close();
    expect(consoleStream.text()).toMatch(/^\d\d:\d\d:\d\d WARN {2}run failed; will retry {2}schedule=Sessions runId=3\n$/);
  });

  it('deletes log files older than N days (the guide\'s Log File Removal), only its own', async () => {
    const directory = join(dir, 'old');
    const now = new Date('2024-05-20T12:00:00Z');
    const day = 86_400_000;
    const make = (name: string, ageDays: number) => {
      writeFileSync(join(directory, name), 'x\n');
      const at = new Date(now.getTime() - ageDays * day);
      utimesSync(join(directory, name), at, at);
    };
    mkdirSync(directory);
    make('sra-etl.2024-05-01.1.log', 19);
    make('sra-etl.2024-05-12.1.log', 8);
    make('sra-etl.2024-05-14.1.log', 6);
    make('sra-etl.2024-05-20.1.log', 0);
    make('other-app.log', 30);
    make('notes.txt', 30);
    expect(await deleteOldLogFiles(directory, 7, now)).toEqual(['sra-etl.2024-05-01.1.log', 'sra-etl.2024-05-12.1.log']);
    expect(readdirSync(directory).sort()).toEqual(['notes.txt', 'other-app.log', 'sra-etl.2024-05-14.1.log', 'sra-etl.2024-05-20.1.log']);
    expect(await deleteOldLogFiles(directory, 0, now)).toEqual([]);
  });
});
