import { describe, expect, it } from 'vitest';
import { findDestination, redactDestination } from '../../../../sinks/destinations.ts';
import { parseSinkOptions } from '../../../../sinks/sql/sql-destination-options.ts';
import { parseSqliteSpec } from '../../../../sinks/sql/sql-destinations.ts';
import { isAdoConnectionString, redactAdo, redactUrl } from '../../../../sinks/sql/sql-redact.ts';

describe('SQL destinations in --to', () => {
  it.each([
    ['sqlite:data/sra.db', 'sqlite'],
    ['sqlite:///var/lib/sra.db', 'sqlite'],
    ['postgres://u:p@db/sra', 'postgres'],
    ['postgresql://u:p@db:5433/sra?sslmode=require', 'postgres'],
    ['mssql://u:p@sql01:1433/BTSessions', 'mssql'],
    ['Server=sql01;Database=BTSessions;User Id=etl;Password=x', 'mssql'],
    ['Data Source=sql01,1433;Initial Catalog=BTSessions;User ID=etl;Password=x', 'mssql'],
  ])('%s opens a %s destination', (spec, name) => {
    expect(findDestination(spec).name).toBe(name);
  });

  it('reads sqlite paths with or without slashes and options', () => {
    expect(parseSqliteSpec('sqlite:data/sra.db')).toMatchObject({ path: 'data/sra.db' });
    expect(parseSqliteSpec('sqlite:///abs/sra.db')).toMatchObject({ path: '/abs/sra.db' });
    const { path, query } = parseSqliteSpec('sqlite:/tmp/x.db?storeSystemInformation=false');
    expect([path, query.get('storeSystemInformation')]).toEqual(['/tmp/x.db', 'false']);
    expect(() => parseSqliteSpec('sqlite:')).toThrow(/give the database file/);
  });

  it('never shows a password', () => {
    expect(redactUrl('postgres://loader:s3cr%40t@db.example.com:5432/sra?sslmode=require')).toBe('postgres://loader:***@db.example.com:5432/sra?sslmode=require');
    expect(redactUrl('postgres://loader@db/sra')).toBe('postgres://loader@db/sra');
    expect(redactUrl('postgres://db/sra')).toBe('postgres://db/sra');
    expect(redactAdo('Server=a;Password=p;Pwd="x;y";PASSWORD = {q;}};z}')).toBe('Server=a;Password=***;Pwd=***;PASSWORD = ***');
    expect(redactDestination('mssql://sa:Secret1@sql01/BT')).toBe('mssql://sa:***@sql01/BT');
    expect(redactDestination('Server=sql01;Database=BT;User Id=sa;Password=Secret1')).toBe('Server=sql01;Database=BT;User Id=sa;Password=***');
  });

  it('recognises ADO strings but not URLs or paths', () => {
    expect(isAdoConnectionString('Server=sql01;Database=BT')).toBe(true);
    expect(isAdoConnectionString('Address=sql01;Database=BT')).toBe(true);
    expect(isAdoConnectionString('file:/srv/sra')).toBe(false);
    expect(isAdoConnectionString('sqlite:Server=1.db')).toBe(false);
    expect(isAdoConnectionString('Database=BT')).toBe(false);
  });

  it('reads the sink options under any spelling and refuses bad values', () => {
    expect(parseSinkOptions([['storeSystemInformation', 'false']], 'd')).toEqual({ storeSystemInformation: false, unknownProductParticipants: 'representative' });
    expect(parseSinkOptions([['Store System Information', 'False'], ['defaultProduct', 'PRA']], 'd')).toEqual({ storeSystemInformation: false, unknownProductParticipants: 'user' });
    expect(parseSinkOptions([], 'd')).toEqual({ storeSystemInformation: true, unknownProductParticipants: 'representative' });
    expect(() => parseSinkOptions([['storeSystemInformation', 'maybe']], 'sqlite:x.db')).toThrow('sqlite:x.db: option storeSystemInformation="maybe" must be true or false');
    expect(() => parseSinkOptions([['defaultProduct', 'x']], 'd')).toThrow(/must be rs or pra/);
  });

  it('refuses unknown sqlite options and postgres URLs without a database', async () => {
    await expect(findDestination('sqlite:x.db?bogus=1').open('sqlite:x.db?bogus=1', {})).rejects.toThrow(/unknown option bogus/);
    await expect(findDestination('postgres://u:secret@db').open('postgres://u:secret@db', {})).rejects.toThrow('--to postgres://u:***@db: name the database');
  });
});
