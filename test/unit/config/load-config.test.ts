import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import { loadConfig, parseConfig } from '../../../src/config/load-config.ts';
import { redactSecrets } from '../../../src/redaction.ts';

const dir = mkdtempSync(join(tmpdir(), 'sra-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `# yaml-language-server: $schema=../src/config/sra-etl.schema.json
sites:
  support:
    host: support.example.com
    product: rs
    clientId: abc
    clientSecret: { env: TEST_CLIENT_SECRET }
destinations:
  db:
    type: sqlite
    path: out/sra.db
  files:
    type: file
    directory: out/files
    backups:
      retentionCount: 3
schedules:
  Sessions:
    every: 15 minutes
    transfers:
      - { site: support, destination: db, data: [sessions] }
  Nightly backup:
    every: 1 day
    at: "02:30"
    timezone: Europe/Berlin
    transfers:
      - site: support
        destination: files
        data: [backups]
`;

const env = { TEST_CLIENT_SECRET: 's3cr3t-value' };

function errorOf(text: string, options: { env?: NodeJS.ProcessEnv } = {}): string {
  try {
    parseConfig(text, join(dir, 'sra-etl.yaml'), { env: options.env ?? env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** Replaces one exact snippet of BASE, failing loudly when it is not there. */
function mutate(from: string, to: string): string {
  expect(BASE).toContain(from);
  return BASE.replace(from, to);
}

describe('loadConfig', () => {
  it('loads a valid file: defaults, absolute paths, parsed timing, resolved secrets', () => {
    const config = parseConfig(BASE, join(dir, 'sra-etl.yaml'), { env });
    expect(config.schedules.map((s) => s.name)).toEqual(['Sessions', 'Nightly backup']);
    expect(config.schedules[0]?.timing).toEqual({ kind: 'every', minutes: 15, timezone: undefined });
    expect(config.schedules[1]?.timing).toEqual({ kind: 'every', minutes: 1440, at: { hour: 2, minute: 30 }, timezone: 'Europe/Berlin' });
    expect(config.state.path).toBe(join(dir, 'data/state.db'));
    expect(config.logs).toMatchObject({ directory: join(dir, 'data/logs'), deleteAfterDays: 7, level: 'info' });
    const files = config.destinations.get('files');
    expect(files?.type === 'file' && files.backups).toMatchObject({ directory: join(dir, 'out/files'), retentionCount: 3, conflictHandling: 'AppendNumber' });
    const site = config.sites.get('support');
    expect(site?.clientSecret?.reveal()).toBe('s3cr3t-value');
    expect(JSON.stringify(site)).not.toContain('s3cr3t-value');
    expect(`${String(site?.clientSecret)}`).toBe('***');
    expect(redactSecrets('token s3cr3t-value here')).toBe('token *** here');
  });

  it('ships example configurations that load', () => {
    const demo = loadConfig('examples/demo.yaml', { env: { SRA_DEMO_CLIENT_SECRET: 'demo' } });
    expect(demo.schedules.length).toBeGreaterThan(0);
    const appliance = readFileSync('examples/appliance-sqlserver.yaml', 'utf8').replace('{ file: /etc/sra-etl/backup-password }', '{ env: X_BACKUP }');
    const config = parseConfig(appliance, join(dir, 'appliance.yaml'), {
      env: { SRA_SMTP_PASSWORD: 'smtp-pw', SRA_SUPPORT_CLIENT_SECRET: 'a-secret', SRA_ACCESS_CLIENT_SECRET: 'b-secret', SRA_SQL_PASSWORD: 'sql-pw', X_BACKUP: 'backup-pw' },
    });
    expect(config.schedules.map((s) => s.transfers.length)).toEqual([2, 2, 2]);
    expect(config.warnings).toEqual([]);
  });

  // Each case: a change to a valid file, and what the error must say: the key path, its line, and what is expected.
  const cases: { name: string; from: string; to: string; expect: RegExp[] }[] = [
    { name: 'unknown key with a suggestion', from: '    product: rs\n', to: '    product: rs\n    clientSecrte: x\n', expect: [/:6:5: sites\.support\.clientSecrte: unknown key \(did you mean "clientSecret"\?\)/] },
    { name: 'enum value', from: 'product: rs', to: 'product: RS', expect: [/:5:14: sites\.support\.product: must be one of: rs, pra \(got "RS"; did you mean "rs"\?\)/] },
    { name: 'missing required key', from: '    host: support.example.com\n', to: '', expect: [/:4:5: sites\.support\.host: is required: a host name such as support\.example\.com/] },
    { name: 'host with a scheme', from: 'host: support.example.com', to: 'host: https://support.example.com', expect: [/:4:11: sites\.support\.host: must be a host name such as support\.example\.com, without https:\/\//] },
    { name: 'period out of range', from: 'every: 15 minutes', to: 'every: 8 days', expect: [/:19:12: schedules\.Sessions\.every: must be a period from 1 minute to 7 days/] },
    { name: 'unreadable period', from: 'every: 15 minutes', to: 'every: often', expect: [/:19:12: schedules\.Sessions\.every: must be a period such as "15 minutes"/] },
    { name: 'time of day on an hourly period', from: 'every: 15 minutes', to: 'every: 2 hours\n    at: "03:00"', expect: [/:20:5: schedules\.Sessions\.at: a time of day needs a period in whole days/] },
    { name: 'bad time of day', from: 'at: "02:30"', to: 'at: "25:30"', expect: [/:24:9: schedules\["Nightly backup"\]\.at: must be a time of day HH:MM such as "02:30"/] },
    { name: 'both every and cron', from: 'every: 15 minutes', to: 'every: 15 minutes\n    cron: "* * * * *"', expect: [/:20:5: schedules\.Sessions\.cron: give either every \(with at\) or cron, not both/] },
    { name: 'neither every nor cron', from: '    every: 15 minutes\n', to: '', expect: [/:19:5: schedules\.Sessions: needs when to run: every/] },
    { name: 'invalid cron', from: 'every: 15 minutes', to: 'cron: "61 * * * *"', expect: [/:19:11: schedules\.Sessions\.cron: is not a valid cron expression \(minute "61"/] },
    { name: 'cron with six fields', from: 'every: 15 minutes', to: 'cron: "0 * * * * *"', expect: [/schedules\.Sessions\.cron: must have five fields/] },
    { name: 'unknown time zone', from: 'timezone: Europe/Berlin', to: 'timezone: Mars/Olympus', expect: [/:25:15: schedules\["Nightly backup"\]\.timezone: unknown time zone "Mars\/Olympus"/] },
    { name: 'unknown site', from: '{ site: support, destination: db', to: '{ site: suport, destination: db', expect: [/:21:17: schedules\.Sessions\.transfers\[0\]\.site: no site named "suport" \(did you mean "support"\?\); sites are: support/] },
    { name: 'unknown destination', from: 'destination: files', to: 'destination: archive', expect: [/:28:22: schedules\["Nightly backup"\]\.transfers\[0\]\.destination: no destination named "archive"; destinations are: db, files/] },
    { name: 'recordings to SQL', from: 'data: [sessions] }', to: 'data: [sessions, recordings] }', expect: [/:21:49: schedules\.Sessions\.transfers\[0\]\.data: recordings can only go to a file destination \("db" is sqlite\)/] },
    { name: 'unknown data type', from: 'data: [backups]', to: 'data: [backup]', expect: [/:29:16: schedules\["Nightly backup"\]\.transfers\[0\]\.data\[0\]: must be one of: sessions, recordings, shell-recordings, sms-recordings, backups \(got "backup"; did you mean "backups"\?\)/] },
    { name: 'bad secret reference', from: '{ env: TEST_CLIENT_SECRET }', to: '{ vault: TEST_CLIENT_SECRET }', expect: [/:7:19: sites\.support\.clientSecret: must be a secret reference: \{ env: VARIABLE_NAME \} or \{ file: \/path\/to\/secret \}/] },
    { name: 'missing environment variable', from: 'TEST_CLIENT_SECRET }', to: 'NOT_SET_ANYWHERE_42 }', expect: [/:7:19: sites\.support\.clientSecret: environment variable NOT_SET_ANYWHERE_42 is not set/] },
    { name: 'missing secret file', from: '{ env: TEST_CLIENT_SECRET }', to: '{ file: no-such-secret }', expect: [/:7:19: sites\.support\.clientSecret: cannot read secret file .*no-such-secret \(ENOENT\)/] },
    { name: 'client id without secret', from: '    clientSecret: { env: TEST_CLIENT_SECRET }\n', to: '', expect: [/:6:15: sites\.support\.clientId: clientSecret is missing/] },
    { name: 'no credentials', from: '    clientId: abc\n    clientSecret: { env: TEST_CLIENT_SECRET }\n', to: '', expect: [/:4:5: sites\.support: needs credentials: clientId and clientSecret/] },
    { name: 'unknown destination type', from: 'type: sqlite', to: 'type: mysql', expect: [/:10:11: destinations\.db\.type: must be one of: mssql, postgres, sqlite, file/] },
    { name: 'key of another destination type', from: '    path: out/sra.db\n', to: '    path: out/sra.db\n    directory: x\n', expect: [/:12:5: destinations\.db\.directory: unknown key; allowed here: type, path, storeSystemInformation/] },
    { name: 'retention below one', from: 'retentionCount: 3', to: 'retentionCount: 0', expect: [/:16:23: destinations\.files\.backups\.retentionCount: must be >= 1 \(got number 0\)/] },
    { name: 'wrong type', from: '    every: 15 minutes\n', to: '    every: 15 minutes\n    enabled: "yes"\n', expect: [/:20:14: schedules\.Sessions\.enabled: must be a boolean \(got "yes"\)/] },
    { name: 'empty transfers', from: '    transfers:\n      - { site: support, destination: db, data: [sessions] }\n', to: '    transfers: []\n', expect: [/:20:16: schedules\.Sessions\.transfers: must be a list of at least one transfer/] },
    { name: 'repeated transfer', from: '      - { site: support, destination: db, data: [sessions] }\n', to: '      - { site: support, destination: db, data: [sessions] }\n      - { site: support, destination: db }\n', expect: [/:22:9: schedules\.Sessions\.transfers\[1\]: repeats the transfer support -> db/] },
    { name: 'YAML syntax', from: '    product: rs\n', to: '    product: rs\n   bad: [\n', expect: [/sra-etl\.yaml:6:\d+: .*\(YAML syntax; check indentation and quoting\)/] },
    { name: 'duplicate key', from: '    product: rs\n', to: '    product: rs\n    product: pra\n', expect: [/sra-etl\.yaml:6:5: Map keys must be unique/] },
    { name: 'missing section', from: 'destinations:', to: 'destinationz:', expect: [/sra-etl\.yaml: destinations: is required/, /:8:1: destinationz: unknown key \(did you mean "destinations"\?\)/] },
  ];

  for (const testCase of cases) {
    it(`names the key, line and expectation: ${testCase.name}`, () => {
      const message = errorOf(mutate(testCase.from, testCase.to));
      for (const pattern of testCase.expect) expect(message).toMatch(pattern);
    });
  }

  it('reports every problem at once, in file order', () => {
    const text = mutate('product: rs', 'product: RS').replace('every: 15 minutes', 'every: 8 days').replace('destination: files', 'destination: archive');
    const message = errorOf(text);
    expect(message).toMatch(/has an error|has \d+ errors/);
    // schema errors come first (semantic checks need a valid shape), so the enum error alone is reported
    expect(message).toContain('sites.support.product');
    const fixed = text.replace('product: RS', 'product: rs');
    const second = errorOf(fixed);
    expect(second).toMatch(/has 2 errors:\n.*:19:12: schedules\.Sessions\.every.*\n.*:28:22: schedules\["Nightly backup"\]\.transfers\[0\]\.destination/);
  });

  it('never prints an inline secret, even when it is the wrong type', () => {
    const message = errorOf(mutate('clientSecret: { env: TEST_CLIENT_SECRET }', 'clientSecret: 918273645'));
    expect(message).toContain('sites.support.clientSecret');
    expect(message).not.toContain('918273645');
  });

  it('warns (not fails) about inline secrets, passwords in connection strings and unused entries', () => {
    const text = mutate('clientSecret: { env: TEST_CLIENT_SECRET }', 'clientSecret: inline-secret-123').replace(
      'destinations:\n',
      'destinations:\n  warehouse:\n    type: mssql\n    connection: Server=sql;Database=bt;User Id=sa;Password=hunter22\n',
    );
    const config = parseConfig(text, join(dir, 'sra-etl.yaml'), { env });
    const warnings = config.warnings.map((w) => w.message).join('\n');
    expect(warnings).toMatch(/:7:19: sites\.support\.clientSecret: secret written inline/);
    expect(warnings).toMatch(/:11:17: destinations\.warehouse\.connection: contains a password; move it to password/);
    expect(warnings).toMatch(/:9:3: destinations\.warehouse: destination is not used by any schedule/);
    expect(warnings).not.toContain('hunter22');
  });

  it('reads { file } secrets relative to the configuration, without the trailing newline', () => {
    writeFileSync(join(dir, 'secret.txt'), 'from-a-file\n');
    const config = parseConfig(mutate('{ env: TEST_CLIENT_SECRET }', '{ file: secret.txt }'), join(dir, 'sra-etl.yaml'));
    expect(config.sites.get('support')?.clientSecret?.reveal()).toBe('from-a-file');
  });
});
