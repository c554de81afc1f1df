import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.ts';
import { SourceError } from '../../../src/errors.ts';
import { SmtpMailer } from '../../../src/notify/mailer.ts';
import { createRunNotifier } from '../../../src/notify/run-notifier.ts';
import { runScheduleOnce } from '../../../src/scheduler/run-schedule.ts';
import { silentLogger } from '../../../src/stage.ts';
import { SqliteRunHistory } from '../../../sinks/state/sqlite-run-history.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.ts';

const SMTP_PASSWORD = 'smtp-pass-7741';
const CLIENT_SECRET = 'client-secret-5531';
let smtp: SmtpSink;
let dir: string;

beforeAll(async () => {
  smtp = await startSmtpSink({ user: 'sra-etl', password: SMTP_PASSWORD });
  dir = mkdtempSync(join(tmpdir(), 'sra-notify-'));
});
afterAll(async () => {
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
});

function configText(port: number, extra = ''): string {
  return `
state: { path: state.db }
logs: { directory: false }
notifications:
  smtp: { host: 127.0.0.1, port: ${port}, username: sra-etl, password: { env: TEST_SMTP_PASSWORD } }
  from: sra-etl@example.com
  to: [ops@example.com, bt-admins@example.com]
${extra}
sites:
  support: { host: support.example.com, product: rs, clientId: id, clientSecret: { env: TEST_CLIENT_SECRET } }
destinations:
  db: { type: sqlite, path: out.db }
schedules:
  Sessions:
    every: 15 minutes
    transfers:
      - { site: support, destination: db }
`;
}

const env = { TEST_SMTP_PASSWORD: SMTP_PASSWORD, TEST_CLIENT_SECRET: CLIENT_SECRET };

describe('notifications over SMTP (loopback server)', () => {
  it('`sra-etl notify test` delivers the Send Test mail with the configured login', async () => {
    const file = join(dir, 'notify.yaml');
    writeFileSync(file, configText(smtp.port));
    const before = smtp.mails.length;
    const result = await runCli(['notify', 'test', '--config', file], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Test e-mail sent to ops@example\.com, bt-admins@example\.com through 127\.0\.0\.1:\d+ \(message id <.+>\)/);
    await smtp.waitFor(before + 1);
    const mail = smtp.mails[before];
    expect(mail).toMatchObject({ from: 'sra-etl@example.com', to: ['ops@example.com', 'bt-admins@example.com'], user: 'sra-etl' });
    expect(mail?.subject).toMatch(/^\[sra-etl\] Test notification from /);
    expect(mail?.raw).toContain('sra-etl notify test');
    expect(mail?.raw).not.toContain(SMTP_PASSWORD);
  });

  it('`sra-etl notify test` with a wrong password says what failed, without the password', async () => {
    const file = join(dir, 'wrong.yaml');
    writeFileSync(file, configText(smtp.port));
    const result = await runCli(['notify', 'test', '--config', file], { env: { ...env, TEST_SMTP_PASSWORD: 'not-the-password-99' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sra-etl: cannot send e-mail through 127\.0\.0\.1:\d+ \(STARTTLS when offered, user sra-etl\): .*; check notifications\.smtp\.username and password/);
    expect(result.stderr).not.toContain('not-the-password-99');
  });

  it('mails a failed run once per reason, and the recovery', async () => {
    const config = parseConfig(configText(smtp.port, '  repeatAfterMinutes: 60'), join(dir, 'runs.yaml'), { env });
    const store = new SqliteRunHistory(config.state.path);
    const mailer = new SmtpMailer(config.notifications!);
    let failure: Error | undefined = new SourceError(`cannot reach support.example.com: 401 for client secret ${CLIENT_SECRET}`, 'auth_failed');
    const deps = {
      config,
      store,
      logger: silentLogger,
      process: { host: 'test-host', pid: process.pid, instance: 'notify-test' },
      runner: async () => {
        if (failure) throw failure;
        return { sessions: 4 };
      },
      onFinished: createRunNotifier({ config: config.notifications!, transport: mailer, store, logger: silentLogger, host: 'test-host' }),
    };
    const schedule = config.schedules[0]!;
    try {
      const before = smtp.mails.length;
      await runScheduleOnce(schedule, { trigger: 'scheduled' }, deps);
      await smtp.waitFor(before + 1);
      const mail = smtp.mails[before]!;
      expect(mail.subject).toBe('[sra-etl] Sessions failed on test-host: transfer 1 (support -> db): cannot reach support.example.com: 401 for client secret ***');
      expect(mail.body).toContain('The schedule "Sessions" (every 15 minutes) failed.');
      expect(mail.body).toContain('  1. support -> db [sessions]: failed (auth_failed)\r\n     cannot reach support.example.com: 401 for client secret ***');
      expect(mail.raw).not.toContain(CLIENT_SECRET);

      // the same reason again within repeatAfterMinutes: no second mail
      await runScheduleOnce(schedule, { trigger: 'retry' }, deps);
      // a different reason: a new mail
      failure = new SourceError('support.example.com: connection refused', 'network');
      await runScheduleOnce(schedule, { trigger: 'retry' }, deps);
      await smtp.waitFor(before + 2);
      expect(smtp.mails[before + 1]?.body).toContain('(3 failed runs in a row)');
      // recovery
      failure = undefined;
      await runScheduleOnce(schedule, { trigger: 'retry' }, deps);
      await smtp.waitFor(before + 3);
      expect(smtp.mails[before + 2]?.subject).toBe('[sra-etl] Sessions recovered on test-host');
      expect(smtp.mails).toHaveLength(before + 3);
      expect(store.scheduleState('Sessions')?.notifiedAt).toBeUndefined();
    } finally {
      mailer.close();
      store.close();
    }
  });
});
