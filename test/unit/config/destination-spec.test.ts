import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.ts';
import { sqlDestinationSpec } from '../../../src/config/destination-spec.ts';

describe('sqlDestinationSpec', () => {
  it('puts the password back into URLs, encoded, and the guide\'s option into the query', () => {
    expect(sqlDestinationSpec({ name: 'pg', type: 'postgres', url: 'postgres://sra@db.example.com:5432/bt', password: new Secret('p@ss/w:rd', 'test'), storeSystemInformation: true }))
      .toBe('postgres://sra:p%40ss%2Fw%3Ard@db.example.com:5432/bt');
    expect(sqlDestinationSpec({ name: 'm', type: 'mssql', connection: 'mssql://sa@sql01/BTSessions?encrypt=true', password: new Secret('s3cret', 'test'), storeSystemInformation: false }))
      .toBe('mssql://sa:s3cret@sql01/BTSessions?encrypt=true&storeSystemInformation=false');
  });

  it('appends the password to ADO strings, quoted when it has separators', () => {
    expect(sqlDestinationSpec({ name: 'm', type: 'mssql', connection: 'Server=sql01;Database=BTSessions;User Id=sra;', password: new Secret('a;b}c', 'test'), storeSystemInformation: false }))
      .toBe('Server=sql01;Database=BTSessions;User Id=sra;Password={a;b}}c};Store System Information=False');
    expect(sqlDestinationSpec({ name: 'm', type: 'mssql', connection: 'Server=sql01;Database=BT;Integrated Security=true', storeSystemInformation: true }))
      .toBe('Server=sql01;Database=BT;Integrated Security=true');
  });

  it('gives SQLite its path', () => {
    expect(sqlDestinationSpec({ name: 's', type: 'sqlite', path: '/srv/sra.db', storeSystemInformation: true })).toBe('sqlite:/srv/sra.db');
    expect(sqlDestinationSpec({ name: 's', type: 'sqlite', path: '/srv/sra.db', storeSystemInformation: false })).toBe('sqlite:/srv/sra.db?storeSystemInformation=false');
  });
});
