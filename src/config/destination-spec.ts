/**
 * A configured SQL destination as the `--to` spec the destination registry opens (sinks/destinations.ts):
 * the password, kept apart in the file as a secret reference, goes back into the URL or ADO string,
 * and the guide's options become the destination's own spec options. The result holds a secret: log
 * it only through `redactDestination` (the secret redactor masks it anyway).
 */
import type { MssqlDestinationConfig, PostgresDestinationConfig, SqliteDestinationConfig } from './config-types.ts';

/** `{…}` quoting of an ADO/ODBC value (a `}` inside is doubled), so `;` and `=` in a password are safe. */
function adoValue(value: string): string {
  return /[;{}'"=\s]/.test(value) ? `{${value.replace(/\}/g, '}}')}}` : value;
}

function withUrlPassword(url: string, password: string | undefined, storeSystemInformation: boolean): string {
  const parsed = new URL(url);
  if (password !== undefined) parsed.password = encodeURIComponent(password);
  if (!storeSystemInformation) parsed.searchParams.set('storeSystemInformation', 'false');
  return parsed.toString();
}

export function sqlDestinationSpec(destination: MssqlDestinationConfig | PostgresDestinationConfig | SqliteDestinationConfig): string {
  switch (destination.type) {
    case 'sqlite':
      return `sqlite:${destination.path}${destination.storeSystemInformation ? '' : '?storeSystemInformation=false'}`;
    case 'postgres':
      return withUrlPassword(destination.url, destination.password?.reveal(), destination.storeSystemInformation);
    case 'mssql': {
      const { connection } = destination;
      if (/^mssql:\/\//i.test(connection)) return withUrlPassword(connection, destination.password?.reveal(), destination.storeSystemInformation);
      let spec = connection.replace(/;\s*$/, '');
      if (destination.password !== undefined) spec += `;Password=${adoValue(destination.password.reveal())}`;
      if (!destination.storeSystemInformation) spec += ';Store System Information=False';
      return spec;
    }
  }
}
