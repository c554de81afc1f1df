/**
 * A real OTLP/HTTP receiver on 127.0.0.1 (port 0) for tests and benchmarks: point
 * `OTEL_EXPORTER_OTLP_ENDPOINT` at `receiver.url` and it accepts `POST /v1/traces` and
 * `POST /v1/metrics` in `http/json` or `http/protobuf` (gzip too), decodes them and keeps the spans
 * and metric points. `spanTree()` rebuilds the parent/child tree from span ids.
 *
 *     const receiver = await startOtlpReceiver();
 *     // … run the CLI with OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url …
 *     await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'etl.run'));
 *     console.log(renderTree(spanTree(receiver.spans)));
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeMetrics, decodeTraces, type ReceivedPoint, type ReceivedSpan } from './otlp-decode.ts';

export type { AttributeMap, AttributeValue, ReceivedEvent, ReceivedPoint, ReceivedSpan } from './otlp-decode.ts';

export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string;
  readonly bytes: number;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: the value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly points: ReceivedPoint[];
  readonly requests: ReceivedRequest[];
  /** Bodies that could not be decoded (a test should expect none). */
  readonly errors: string[];
  /** Resolves once `predicate()` holds, polling every 20 ms; rejects after `timeoutMs` (default 15 000). */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  clear(): void;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const requests: ReceivedRequest[] = [];
  const errors: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      const contentType = request.headers['content-type'] ?? '';
      const json = contentType.includes('json');
      if (request.method !== 'POST' || (path !== '/v1/traces' && path !== '/v1/metrics')) {
        response.writeHead(404).end();
        return;
      }
      try {
        let body = Buffer.concat(chunks);
        requests.push({ path, contentType, bytes: body.length });
        if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (path === '/v1/traces') spans.push(...decodeTraces(body, contentType));
        else points.push(...decodeMetrics(body, contentType));
      } catch (error) {
        errors.push(`${path} (${contentType}): ${(error as Error).message}`);
        response.writeHead(400, { 'content-type': 'text/plain' }).end((error as Error).message);
        return;
      }
      // An empty Export*ServiceResponse: full success.
      if (json) response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    points,
    requests,
    errors,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`OTLP receiver: condition not met within ${timeoutMs} ms (${spans.length} spans, ${points.length} metric points received)`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    clear() {
      spans.length = 0;
      points.length = 0;
      requests.length = 0;
      errors.length = 0;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface SpanNode {
  readonly span: ReceivedSpan;
  readonly children: SpanNode[];
}

/** Rebuilds the trees: roots are spans without a parent (or whose parent was not received), children by start time. */
export function spanTree(spans: readonly ReceivedSpan[]): SpanNode[] {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) nodes.set(span.spanId, { span, children: [] });
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId === undefined ? undefined : nodes.get(node.span.parentSpanId);
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  }
  const byStart = (a: SpanNode, b: SpanNode) => (a.span.startTimeUnixNano < b.span.startTimeUnixNano ? -1 : a.span.startTimeUnixNano > b.span.startTimeUnixNano ? 1 : 0);
  for (const node of nodes.values()) node.children.sort(byStart);
  return roots.sort(byStart);
}

/** The tree as indented lines (`etl.run`, `  etl.transfer`, …), an `!` after a failed span: readable in a failed assertion. */
export function renderTree(roots: readonly SpanNode[], depth = 0): string {
  return roots
    .map((node) => `${'  '.repeat(depth)}${node.span.name}${node.span.status.code === 2 ? ' !' : ''}\n${renderTree(node.children, depth + 1)}`)
    .join('');
}

/** The distinct paths of span names from a root (`etl.run > etl.transfer > etl.window`), for shape assertions. */
export function spanPaths(roots: readonly SpanNode[], prefix = ''): Set<string> {
  const paths = new Set<string>();
  for (const node of roots) {
    const path = prefix === '' ? node.span.name : `${prefix} > ${node.span.name}`;
    paths.add(path);
    for (const child of spanPaths(node.children, path)) paths.add(child);
  }
  return paths;
}

/** Every span under `node` (itself excluded), depth first. */
export function descendants(node: SpanNode): ReceivedSpan[] {
  return node.children.flatMap((child) => [child.span, ...descendants(child)]);
}
