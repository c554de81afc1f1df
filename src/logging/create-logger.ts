/**
 * The process logger: pino, structured, to the console and to rotating files. Console lines are
 * readable on a terminal (`auto`) and JSON otherwise; files are always JSON lines, rotated by
 * pino-roll and removed by age (the guide's Log File Removal). Every line passes through the secret
 * redactor before it is written anywhere, whatever put the secret there.
 */
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import pino from 'pino';
import pinoRoll from 'pino-roll';
import type { LogsConfig } from '../config/config-types.ts';
import { redactSecrets } from '../redaction.ts';
import { traceLogMixin } from '../telemetry/log-correlation.ts';
import type { Logger } from '../stage.ts';
import { deleteOldLogFiles, LOG_FILE_BASE } from './log-files.ts';
import { prettyLine } from './pretty-line.ts';

export interface LoggerHandle {
  readonly logger: Logger;
  /** The folder of the rotating files, when there are files. */
  readonly directory?: string;
  /** Applies Log File Removal now; returns the files removed. */
  removeOldFiles(now?: Date): Promise<string[]>;
  /** Flushes and closes the file stream. */
  close(): Promise<void>;
}

export interface CreateLoggerOptions {
  /** Console stream. Default process.stderr (stdout stays free for command output). */
  readonly console?: Writable & { isTTY?: boolean };
  /** Overrides `logs.console` (e.g. `off` for `status --json`). */
  readonly consoleMode?: LogsConfig['console'];
  /** Minimum level on the console only (e.g. `warn` while progress lines are drawn). Default `logs.level`. */
  readonly consoleLevel?: LogsConfig['level'];
  /** Overrides `logs.directory`: `false` for no files. */
  readonly files?: boolean;
  /** Bound to every line. */
  readonly bindings?: Record<string, unknown>;
}

/** A pino destination that redacts secrets and optionally reformats each line. */
function redacting(write: (line: string) => void, transform?: (line: string) => string): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      const clean = redactSecrets(chunk);
      write(transform ? transform(clean) : clean);
    },
  };
}

export async function createLogger(config: LogsConfig, options: CreateLoggerOptions = {}): Promise<LoggerHandle> {
  const consoleStream = options.console ?? process.stderr;
  const mode = options.consoleMode ?? config.console;
  const pretty = mode === 'pretty' || (mode === 'auto' && consoleStream.isTTY === true);
  const streams: pino.StreamEntry[] = [];
  if (mode !== 'off') {
    const color = pretty && consoleStream.isTTY === true && !process.env.NO_COLOR;
    streams.push({
      level: options.consoleLevel ?? config.level,
      stream: redacting((line) => consoleStream.write(line), pretty ? (line) => prettyLine(line, color) : undefined),
    });
  }
  const directory = options.files === false ? undefined : config.directory;
  let file: Awaited<ReturnType<typeof pinoRoll>> | undefined;
  if (directory !== undefined) {
    file = await pinoRoll({
      file: join(directory, LOG_FILE_BASE),
      extension: '.log',
      frequency: config.rotate,
      dateFormat: config.rotate === 'hourly' ? 'yyyy-MM-dd-HH' : 'yyyy-MM-dd',
      size: `${config.maxFileMegabytes}m`,
      mkdir: true,
    });
    const target = file;
    streams.push({ level: config.level, stream: redacting((line) => target.write(line)) });
  }
  const logger = pino(
    {
      level: config.level,
      base: { pid: process.pid, ...options.bindings },
      // trace_id/span_id of the active span, so a line leads to its trace (nothing with tracing off).
      mixin: traceLogMixin,
      // Belt and braces: the Secret class already prints as ***, the redactor masks known values.
      redact: { paths: ['password', 'clientSecret', 'backupPassword', '*.password', '*.clientSecret', '*.backupPassword'], censor: '***' },
    },
    pino.multistream(streams.length > 0 ? streams : [{ level: 'fatal', stream: redacting(() => undefined) }]),
  );
  return {
    logger,
    directory,
    removeOldFiles: async (now = new Date()) => (directory === undefined ? [] : deleteOldLogFiles(directory, config.deleteAfterDays, now, file?.file)),
    close: async () => {
      logger.flush();
      const target = file;
      if (!target) return;
      await new Promise<void>((resolve) => {
        target.once('close', () => resolve());
        target.once('error', () => resolve());
        target.end();
      });
    },
  };
}
