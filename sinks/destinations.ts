/**
 * `--to <destination>` -> a BundleSink. Each kind of destination registers a lazy factory here, so a
 * run that writes JSON Lines never loads a database driver. Specs look like `jsonl:out.jsonl`,
 * `jsonl:-`, `sqlite:data/sra.db`, `postgres://user:pass@host/db`, `mssql://…`, `Server=…;Database=…`,
 * `file:/srv/sra`.
 */
import { ConfigError } from '../src/errors.ts';
import type { BundleSink, Logger } from '../src/stage.ts';
import { traceSinkWrites } from '../src/telemetry/sink-span.ts';
import type { ArtifactFetcher } from './file/artifact-fetcher.ts';
import { sqlDestinations } from './sql/sql-destinations.ts';

/** Options a destination may use; each destination documents the ones it reads. */
export interface DestinationOptions {
  readonly logger?: Logger;
  /** `--types`: data types to store (file destination: sessions, recordings, shell-recordings, sms-recordings, backups). */
  readonly types?: readonly string[];
  /** Downloads recordings and backups from the appliance (file destination). */
  readonly fetcher?: ArtifactFetcher;
  /**
   * The caller already runs in a thread of its own (a partition of partitioned-load.ts): a
   * destination that would start a writer thread (SQLite) writes on the caller's thread instead.
   */
  readonly writeOnCallerThread?: boolean;
  /** With writeOnCallerThread: a WriteTurn's memory, shared with the other threads writing to the same destination. */
  readonly writeTurn?: SharedArrayBuffer;
}

export interface DestinationFactory {
  /** Short name for help and logs: 'jsonl', 'sqlite', 'postgres', 'mssql', 'file'. */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** An example spec for `--help`. */
  readonly example: string;
  matches(spec: string): boolean;
  /** The spec with passwords masked, safe for logs and errors. */
  redact(spec: string): string;
  open(spec: string, options: DestinationOptions): Promise<BundleSink>;
}

/** Every destination kind, most specific first. Add yours here (lazy-import the implementation). */
export const destinationFactories: DestinationFactory[] = [
  ...sqlDestinations,
  {
    name: 'jsonl',
    summary: 'JSON Lines: one record per line with its kind and session key (- for standard output)',
    example: 'jsonl:sessions.jsonl',
    matches: (spec) => spec.startsWith('jsonl:'),
    redact: (spec) => spec,
    async open(spec) {
      const { openJsonlDestination } = await import('./jsonl/jsonl-sink.ts');
      return openJsonlDestination(spec);
    },
  },
  {
    name: 'file',
    summary: 'a folder: one XML file per session, recordings and site backups (the guide\'s File System plugin)',
    example: 'file:/srv/sra',
    matches: (spec) => spec.startsWith('file:'),
    redact: (spec) => spec,
    async open(spec, options) {
      const { openFileDestination } = await import('./file/file-destination.ts');
      return openFileDestination(spec, options);
    },
  },
];

export function findDestination(spec: string): DestinationFactory {
  const factory = destinationFactories.find((candidate) => candidate.matches(spec));
  if (factory === undefined) {
    const known = destinationFactories.map((f) => `  ${f.example.padEnd(44)} ${f.summary}`).join('\n');
    throw new ConfigError(`--to ${JSON.stringify(spec)}: unknown destination. Use one of:\n${known}`, { code: 'usage' });
  }
  return factory;
}

/**
 * Opens the destination `spec` names, wrapped in a TracedSink: every batch it writes gets an
 * etl.batch.write span and the write metrics. For what is not in the BundleSink contract (a file
 * sink's report, an SQL sink's schema status), or `instanceof`, use `innerSink(sink)`
 * (src/telemetry/sink-span.ts).
 */
export async function openDestination(spec: string, options: DestinationOptions = {}): Promise<BundleSink> {
  return traceSinkWrites(await findDestination(spec).open(spec, options));
}

/** The spec with secrets masked, whatever its kind (unknown kinds are masked entirely after the scheme). */
export function redactDestination(spec: string): string {
  const factory = destinationFactories.find((candidate) => candidate.matches(spec));
  return factory ? factory.redact(spec) : spec.replace(/:.*/s, ':***');
}
