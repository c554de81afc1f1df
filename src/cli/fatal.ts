/**
 * How a failed command is reported: one clear line (`sra-etl: <message>`), the cause chain and stack
 * only with --verbose, and an exit code that tells usage errors (2) from failed runs (1).
 */
import { EtlError } from '../errors.ts';
import { redactSecrets } from '../redaction.ts';

export function formatFatal(error: unknown, verbose: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  let text = `sra-etl: ${message}`;
  if (verbose) {
    let current: unknown = error;
    const seen = new Set<unknown>();
    while (current instanceof Error && !seen.has(current)) {
      seen.add(current);
      text += `\n${current.stack ?? current.message}`;
      current = current.cause;
      if (current !== undefined) text += '\ncaused by:';
    }
  }
  // Whatever a driver or library put into the message, configured secrets never reach the terminal.
  return redactSecrets(text);
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof EtlError) {
    if (error.code === 'config_invalid' || error.code === 'usage') return 2;
    if (error.code === 'aborted') return 130;
  }
  return 1;
}
