/**
 * The `etl.parse` span: one report stream parsed and loaded into the destination in batches
 * (loadReport). The HTTP call that produces the stream and the batch writes happen inside it, so they
 * are its children. Afterwards it carries the sessions parsed, their XML bytes, and the sessions the
 * parser and the destination rejected; metrics `etl.records` / `etl.bytes` with `etl.stage=parse`
 * and one `etl.failures` (operation `session`) per session the parser rejected.
 *
 *     const stats = await traceParse({ [ATTR.report]: 'AccessSession' }, () => loadReport(items, sink, { ctx }));
 */
import type { Attributes } from '@opentelemetry/api';
import type { LoadStats } from '../pipeline/load-report.ts';
import type { PartitionStats } from '../pipeline/partition-protocol.ts';
import { ATTR, SPAN, STAGE } from './attributes.ts';
import { countBytes, countFailure, countRecords } from './metrics.ts';
import { errorTypeOf, withSpan } from './tracing.ts';

export function traceParse<S extends LoadStats>(attributes: Attributes, load: () => Promise<S>): Promise<S> {
  return withSpan(SPAN.parse, attributes, async (span) => {
    const stats = await load();
    span.setAttributes({
      [ATTR.records]: stats.sessions,
      [ATTR.bytes]: stats.xmlBytes,
      [ATTR.written]: stats.written,
      [ATTR.rejected]: stats.parseRejected.length + stats.sinkRejected.length,
    });
    countRecords(STAGE.parse, stats.sessions);
    countBytes(STAGE.parse, stats.xmlBytes);
    for (const error of stats.parseRejected) countFailure(errorTypeOf(error), 'session');
    return stats;
  });
}

/**
 * The same span around a load split over several pipelines (src/pipeline/partitioned-load.ts):
 * figures are the pipelines' sums. When the report could not be split, the span records nothing,
 * and the one-pipeline load that follows has its own span.
 */
export function tracePartitionedParse<O extends { readonly loaded: PartitionStats } | { readonly notSplittable: string }>(attributes: Attributes, load: () => Promise<O>): Promise<O> {
  return withSpan(SPAN.parse, attributes, async (span) => {
    const outcome = await load();
    if (!('loaded' in outcome)) return outcome;
    const stats = outcome.loaded;
    span.setAttributes({ [ATTR.records]: stats.sessions, [ATTR.bytes]: stats.xmlBytes, [ATTR.written]: stats.written, [ATTR.rejected]: stats.refused.length });
    countRecords(STAGE.parse, stats.sessions);
    countBytes(STAGE.parse, stats.xmlBytes);
    return outcome;
  });
}
