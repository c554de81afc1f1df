/**
 * The SQL destinations' own options, given in the destination URL's query string
 * (`sqlite:/srv/sra.db?storeSystemInformation=false`, `postgres://…/db?defaultProduct=pra`) or, in
 * an ADO connection string, as keys (`Store System Information=False`, the guide's label).
 * Parameters that are not ours are left for the driver (`sslmode`, `encrypt`, …).
 */
import { ConfigError } from '../../src/errors.ts';
import { DEFAULT_STAGE_OPTIONS, type StageOptions } from './stage-bundles.ts';

/** Option names as they may be spelled, lower-cased without spaces or underscores. */
const STORE_SYSTEM_INFORMATION = 'storesysteminformation';
const DEFAULT_PRODUCT = 'defaultproduct';

const normalise = (key: string): string => key.toLowerCase().replace(/[\s_-]/g, '');

/** Whether `key` is one of the sink's own options (not to be passed to the driver). */
export function isSinkOption(key: string): boolean {
  const k = normalise(key);
  return k === STORE_SYSTEM_INFORMATION || k === DEFAULT_PRODUCT;
}

function parseBoolean(value: string, key: string, destination: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${destination}: option ${key}=${JSON.stringify(value)} must be true or false`, { code: 'usage' });
}

/**
 * Reads the sink options out of `(key, value)` pairs, ignoring keys that are not sink options.
 * `destination` (already redacted) names the destination in errors.
 */
export function parseSinkOptions(pairs: Iterable<readonly [string, string]>, destination: string): StageOptions {
  let options: StageOptions = DEFAULT_STAGE_OPTIONS;
  for (const [key, value] of pairs) {
    const k = normalise(key);
    if (k === STORE_SYSTEM_INFORMATION) options = { ...options, storeSystemInformation: parseBoolean(value, key, destination) };
    else if (k === DEFAULT_PRODUCT) {
      const v = value.trim().toLowerCase();
      if (v !== 'rs' && v !== 'pra') throw new ConfigError(`${destination}: option ${key}=${JSON.stringify(value)} must be rs or pra`, { code: 'usage' });
      options = { ...options, unknownProductParticipants: v === 'pra' ? 'user' : 'representative' };
    }
  }
  return options;
}

/** A URL's query parameters split into sink options and the rest (for the driver). */
export function splitQuery(search: URLSearchParams): { readonly sink: [string, string][]; readonly driver: [string, string][] } {
  const sink: [string, string][] = [];
  const driver: [string, string][] = [];
  for (const [key, value] of search) (isSinkOption(key) ? sink : driver).push([key, value]);
  return { sink, driver };
}
