/**
 * A plain logger for interactive commands: warnings and errors always, progress with --verbose, one
 * readable line each on stderr (stdout stays for the command's result).
 */
import type { Logger } from '../stage.ts';
import { traceLogMixin } from '../telemetry/log-correlation.ts';

function line(level: string, bindings: Record<string, unknown>, obj: object | string, msg?: string): string {
  // trace_id/span_id only while tracing is on and a span is active: the line leads to its trace.
  const { trace_id: traceId, span_id: spanId } = traceLogMixin();
  const fields = { ...bindings, ...(typeof obj === 'string' ? {} : obj), trace_id: traceId, span_id: spanId };
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
