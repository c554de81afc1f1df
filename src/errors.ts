/**
 * One error family for the whole pipeline. `code` comes from a bounded set so it can be a span
 * attribute and a metric label; `stage` says where in the pipeline it happened. Messages say what
 * failed, where (config key, file:line:column, table and row), and what to do; they never carry
 * secrets or record contents beyond the offending key.
 */

export type ErrorStage = 'config' | 'receiving' | 'processing' | 'sending' | 'scheduling';

export type EtlErrorCode =
  // configuration and usage
  | 'config_invalid'
  | 'usage'
  // input documents
  | 'xml_malformed'
  | 'xml_truncated'
  | 'xml_entity'
  | 'not_xml'
  | 'session_invalid'
  | 'host_unknown'
  | 'report_error'
  // appliance and HTTP
  | 'http_status'
  | 'auth_failed'
  | 'rate_limited'
  | 'network'
  | 'timeout'
  | 'tls'
  | 'recording_expired'
  | 'not_found'
  | 'forbidden'
  // destinations
  | 'value_too_long'
  | 'constraint_violation'
  | 'connection'
  | 'sink_write'
  | 'io'
  // control
  | 'aborted'
  /** Someone else holds what was asked for: a schedule's run lock, the daemon's place. */
  | 'busy'
  | 'internal';

export interface EtlErrorOptions {
  readonly cause?: unknown;
}

export class EtlError extends Error {
  readonly code: EtlErrorCode;
  readonly stage: ErrorStage;

  constructor(message: string, code: EtlErrorCode, stage: ErrorStage, options?: EtlErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.stage = stage;
  }
}

/** A configuration or command-line problem; the message names the key or option. */
export class ConfigError extends EtlError {
  constructor(message: string, options?: EtlErrorOptions & { readonly code?: 'config_invalid' | 'usage' }) {
    super(message, options?.code ?? 'config_invalid', 'config', options);
  }
}

/** Where in an input document something went wrong. Line and column are 1-based. */
export interface InputLocation {
  readonly source: string;
  readonly line?: number;
  readonly column?: number;
}

export function formatLocation(location: InputLocation): string {
  let text = location.source;
  if (location.line !== undefined) {
    text += `:${location.line}`;
    if (location.column !== undefined) text += `:${location.column}`;
  }
  return text;
}

/** A document that cannot be read as a report: `file.xml:12:7: <what is wrong>`. */
export class ParseError extends EtlError {
  readonly location: InputLocation;
  /** The bare reason, without the location prefix. */
  readonly reason: string;

  constructor(
    reason: string,
    location: InputLocation,
    code: 'xml_malformed' | 'xml_truncated' | 'xml_entity' | 'not_xml' | 'session_invalid' | 'host_unknown' = 'xml_malformed',
    options?: EtlErrorOptions,
  ) {
    super(`${formatLocation(location)}: ${reason}`, code, 'processing', options);
    this.location = location;
    this.reason = reason;
  }
}

/** The appliance answered with an `<error>` document that does not mean "no data". */
export class ReportError extends EtlError {
  readonly applianceCode: string | null;
  readonly applianceMessage: string;

  constructor(message: string, applianceMessage: string, applianceCode: string | null, options?: EtlErrorOptions & { readonly code?: EtlErrorCode }) {
    super(message, options?.code ?? 'report_error', 'receiving', options);
    this.applianceCode = applianceCode;
    this.applianceMessage = applianceMessage;
  }
}

/** Reading from an appliance or a file failed. */
export class SourceError extends EtlError {
  constructor(message: string, code: EtlErrorCode, options?: EtlErrorOptions) {
    super(message, code, 'receiving', options);
  }
}

/** Writing to a destination failed. `retriable` is decided by the dialect or sink that raised it. */
export class SinkWriteError extends EtlError {
  readonly retriable: boolean;

  constructor(message: string, code: EtlErrorCode, options?: EtlErrorOptions & { readonly retriable?: boolean }) {
    super(message, code, 'sending', options);
    this.retriable = options?.retriable ?? false;
  }
}

/** Turns anything thrown into an EtlError, keeping the original as `cause`. */
export function asEtlError(error: unknown, stage: ErrorStage = 'processing'): EtlError {
  if (error instanceof EtlError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new EtlError('the run was cancelled', 'aborted', stage, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new EtlError(message, 'internal', stage, { cause: error });
}
