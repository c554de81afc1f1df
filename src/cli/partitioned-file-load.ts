/**
 * When `replay` and `bench` load a report file with one pipeline per core (src/pipeline/
 * partitioned-load.ts) instead of one: the file is big enough to pay for starting the workers, the
 * destination takes several writers, and more than one core is asked for. The destination is
 * connected here first, on this thread (SQLite without starting a writer thread just for that),
 * so its database and schema are created once and a bad URL or unreachable server fails with the
 * usual message before any worker starts.
 */
import type { PartitionStart, PartitionStats } from '../pipeline/partition-protocol.ts';
import { defaultPartitions, loadPartitioned, PARTITIONED_MIN_BYTES } from '../pipeline/partitioned-load.ts';
import { silentLogger, type BundleSink } from '../stage.ts';

export interface FileLoadPlan extends Omit<PartitionStart, 'writeTurn'> {
  readonly file: string;
  /** The file's size. */
  readonly bytes: number;
  /** Pipelines to run, whatever the file's size (`--jobs`); 1 means one. Default: one per core (at most 4) for files of {@link PARTITIONED_MIN_BYTES} or more into a destination that splits by default (SQLite). */
  readonly partitions?: number;
  readonly signal: AbortSignal;
}

export type FileLoadOutcome =
  | { readonly loaded: PartitionStats; readonly partitions: number }
  /** One pipeline must load the file (the reason says why). */
  | { readonly notSplittable: string };

/** How many pipelines should load this file into `sink`; undefined: one, the usual way. */
export function partitionsFor(sink: BundleSink, plan: Pick<FileLoadPlan, 'bytes' | 'partitions'>): number | undefined {
  const partitions = plan.partitions ?? defaultPartitions();
  if (partitions < 2 || sink.acceptsConcurrentWriters !== true || sink.needsRawXml === true) return undefined;
  if (plan.partitions === undefined && (plan.bytes < PARTITIONED_MIN_BYTES || sink.partitionsByDefault !== true)) return undefined;
  return partitions;
}

/** Loads the file with `partitions` pipelines (see {@link partitionsFor}); the caller's sink is not used. */
export async function loadFileInPartitions(plan: FileLoadPlan & { readonly partitions: number }): Promise<FileLoadOutcome> {
  const { partitions } = plan;
  const [{ readFileReusingBuffer }, { openDestination }] = await Promise.all([import('../../stages/sources/file-source.ts'), import('../../sinks/destinations.ts')]);
  const first = await openDestination(plan.destination, { logger: silentLogger, writeOnCallerThread: true });
  try {
    await first.connect({ signal: plan.signal, logger: silentLogger });
  } finally {
    await first.close();
  }
  return loadPartitioned(readFileReusingBuffer(plan.file, { signal: plan.signal }), {
    destination: plan.destination, parse: plan.parse, load: plan.load, partitions, signal: plan.signal,
  });
}
