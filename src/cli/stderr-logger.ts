/**
 * A plain logger for interactive commands: warnings and errors always, progress with --verbose, one
 * readable line each on stderr (stdout stays for the command's result).
 */
import type { Logger } from '../stage.ts';

function line(level: string, bindings: Record<string, unknown>, obj: object | string, msg?: string): string {
  const fields = { ...bindings, ...(typeof obj === 'string' ? {} : obj) };
  const text = typeof obj === 'string' ? obj : (msg ?? '');
  const detail = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${level}: ${text}${detail === '' ? '' : ` (${detail})`}\n`;
}

export function stderrLogger(verbose: boolean, bindings: Record<string, unknown> = {}): Logger {
  const write = (level: string) => (obj: object | string, msg?: string) => {
    process.stderr.write(line(level, bindings, obj, msg));
  };
  const quiet = () => {};
  return {
    debug: verbose ? write('debug') : quiet,
    info: verbose ? write('info') : quiet,
    warn: write('warning'),
    error: write('error'),
    child: (more) => stderrLogger(verbose, { ...bindings, ...more }),
  };
}
