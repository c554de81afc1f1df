/**
 * An `etl.download` span around one recording or backup a destination fetches and stores: its kind,
 * lsid, outcome (`created`, `skipped`, `already-complete`, `expired`, …) and bytes. The appliance
 * call inside it is its child HTTP span. Metrics: `etl.records` and `etl.bytes` with
 * `etl.stage=download` for each file stored.
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR, SPAN, STAGE } from './attributes.ts';
import { countBytes, countRecords } from './metrics.ts';
import { withSpan } from './tracing.ts';

export function traceDownload<T extends { readonly outcome: string }>(kind: string, attributes: Attributes, fetchAndStore: () => Promise<T>): Promise<T> {
  return withSpan(SPAN.download, { [ATTR.downloadKind]: kind, ...attributes }, async (span) => {
    const result = await fetchAndStore();
    span.setAttribute(ATTR.downloadOutcome, result.outcome);
    const bytes = (result as { readonly bytes?: unknown }).bytes;
    if (typeof bytes === 'number' && bytes > 0) {
      span.setAttribute(ATTR.bytes, bytes);
      countRecords(STAGE.download, 1, { [ATTR.downloadKind]: kind });
      countBytes(STAGE.download, bytes, { [ATTR.downloadKind]: kind });
    }
    return result;
  });
}
