/**
 * Command-line handling shared by the scripts developers run by hand (the benchmarks here and
 * fixtures/generator/generate-report.ts): `--help` prints the usage and exits 0; a mistyped
 * option, a missing value or a stray argument prints one line and the usage on stderr and exits 2,
 * instead of a Node stack trace.
 */
import path from 'node:path';

/** Exit status for a usage mistake (as the sra-etl CLI uses). */
const USAGE_EXIT = 2;

/** The script as a user would type it, for messages: `bench/parse.bench.ts`. */
function scriptName(): string {
  const script = process.argv[1];
  return script === undefined ? 'script' : path.relative(process.cwd(), script) || path.basename(script);
}

/** Prints `problem` in one line, then the usage, on stderr, and exits 2. */
export function usageError(usage: string, problem: string): never {
  process.stderr.write(`${scriptName()}: ${problem}\n\n${usage.trimEnd()}\n`);
  process.exit(USAGE_EXIT);
}

/**
 * Runs `parse` (a `node:util` parseArgs call whose options include `help: { type: 'boolean',
 * short: 'h' }`) and returns its result. `--help`/`-h` prints `usage` on stdout and exits 0; any
 * parseArgs error (`ERR_PARSE_ARGS_*`) goes to {@link usageError}. Other errors are rethrown.
 */
export function parseScriptArgs<R extends { readonly values: { readonly help?: boolean | undefined } }>(usage: string, parse: () => R): R {
  let parsed: R;
  try {
    parsed = parse();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    // Node's messages add advice on positionals after the first sentence; the first says what is wrong.
    const message = (error as Error).message.split(/\.\s/)[0] ?? (error as Error).message;
    usageError(usage, message.charAt(0).toLowerCase() + message.slice(1));
  }
  if (parsed.values.help === true) {
    process.stdout.write(`${usage.trimEnd()}\n`);
    process.exit(0);
  }
  return parsed;
}

/** `value` as a number > 0 (or >= 0 with `allowZero`), else a usage error naming `--option`. */
export function positiveNumber(usage: string, option: string, value: string | undefined, allowZero = false): number {
  const number = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(number) || number < 0 || (number === 0 && !allowZero)) {
    usageError(usage, `--${option} ${JSON.stringify(value ?? '')}: expected a number ${allowZero ? '>= 0' : '> 0'}`);
  }
  return number;
}

/** Each name of a comma-separated `--option` list, checked against `known`; else a usage error. */
export function namesFrom<N extends string>(usage: string, option: string, value: string | undefined, known: readonly N[]): N[] {
  const names = (value ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(known as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    usageError(usage, `--${option} ${JSON.stringify(value ?? '')}: ${unknown.length > 0 ? `unknown ${unknown.map((name) => JSON.stringify(name)).join(', ')}; ` : ''}use one or more of ${known.join(', ')}`);
  }
  return names as N[];
}
