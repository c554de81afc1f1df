/**
 * Decodes OTLP export requests (traces and metrics), in both encodings the SDK's HTTP exporters send:
 * `http/json` and `http/protobuf`. The protobuf schema below is the subset of opentelemetry-proto
 * (common/v1, resource/v1, trace/v1, metrics/v1 and the collector requests) the receiver needs, with
 * the upstream field numbers; fields it leaves out are skipped by the decoder. protobufjs turns a
 * protobuf message into the same camelCase shape as OTLP/JSON, so one normaliser reads both.
 */
import protobuf from 'protobufjs';

const OTLP_PROTO = `
syntax = "proto3";
package otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Resource { repeated KeyValue attributes = 1; }

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  Status status = 15;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
}
message Status { string message = 2; int32 code = 3; }

message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message NumberDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value { double as_double = 4; sfixed64 as_int = 6; }
  uint32 flags = 8;
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
`;

const root = protobuf.parse(OTLP_PROTO).root;
const TraceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
const MetricsRequest = root.lookupType('otlp.ExportMetricsServiceRequest');

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type AttributeMap = Record<string, AttributeValue>;

export interface ReceivedEvent {
  readonly name: string;
  readonly timeUnixNano: bigint;
  readonly attributes: AttributeMap;
}

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Undefined for a root span. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: AttributeMap;
  readonly events: readonly ReceivedEvent[];
  /** 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message: string | undefined };
  readonly scope: string;
  readonly resource: AttributeMap;
}

export interface ReceivedPoint {
  readonly metric: string;
  readonly unit: string;
  readonly type: 'sum' | 'gauge' | 'histogram';
  readonly attributes: AttributeMap;
  /** Sum and gauge points. */
  readonly value?: number;
  /** Histogram points. */
  readonly count?: number;
  readonly sum?: number;
  readonly bucketCounts?: readonly number[];
  readonly explicitBounds?: readonly number[];
  readonly timeUnixNano: bigint;
  readonly scope: string;
  readonly resource: AttributeMap;
}

type Json = Record<string, unknown>;

const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const asObject = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});

/** OTLP/JSON ids are hex; protobufjs gives bytes as base64. Empty means "no id". */
function toHex(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^[0-9a-f]+$/i.test(value) && (value.length === 32 || value.length === 16)) return value.toLowerCase();
  const hex = Buffer.from(value, 'base64').toString('hex');
  return /^0*$/.test(hex) ? undefined : hex;
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') return Number(value);
  return 0;
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'string' && value !== '') return BigInt(value);
  if (typeof value === 'number') return BigInt(Math.round(value));
  return 0n;
}

function anyValue(value: unknown): AttributeValue {
  const v = asObject(value);
  if ('stringValue' in v) return String(v.stringValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('intValue' in v) return toNumber(v.intValue);
  if ('doubleValue' in v) return toNumber(v.doubleValue);
  if ('arrayValue' in v) return asArray(asObject(v.arrayValue).values).map(anyValue);
  if ('kvlistValue' in v) return attributes(asObject(v.kvlistValue).values);
  if ('bytesValue' in v) return String(v.bytesValue);
  return null;
}

function attributes(list: unknown): AttributeMap {
  const map: AttributeMap = {};
  for (const pair of asArray(list)) map[String(pair.key)] = anyValue(pair.value);
  return map;
}

function normaliseSpans(request: Json): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of asArray(request.resourceSpans)) {
    const resource = attributes(asObject(resourceSpans.resource).attributes);
    for (const scopeSpans of asArray(resourceSpans.scopeSpans)) {
      const scope = String(asObject(scopeSpans.scope).name ?? '');
      for (const span of asArray(scopeSpans.spans)) {
        const status = asObject(span.status);
        spans.push({
          traceId: toHex(span.traceId) ?? '',
          spanId: toHex(span.spanId) ?? '',
          parentSpanId: toHex(span.parentSpanId),
          name: String(span.name),
          kind: toNumber(span.kind),
          startTimeUnixNano: toBigInt(span.startTimeUnixNano),
          endTimeUnixNano: toBigInt(span.endTimeUnixNano),
          attributes: attributes(span.attributes),
          events: asArray(span.events).map((event) => ({ name: String(event.name), timeUnixNano: toBigInt(event.timeUnixNano), attributes: attributes(event.attributes) })),
          status: { code: toNumber(status.code), message: typeof status.message === 'string' && status.message !== '' ? status.message : undefined },
          scope,
          resource,
        });
      }
    }
  }
  return spans;
}

function normaliseMetrics(request: Json): ReceivedPoint[] {
  const points: ReceivedPoint[] = [];
  for (const resourceMetrics of asArray(request.resourceMetrics)) {
    const resource = attributes(asObject(resourceMetrics.resource).attributes);
    for (const scopeMetrics of asArray(resourceMetrics.scopeMetrics)) {
      const scope = String(asObject(scopeMetrics.scope).name ?? '');
      for (const metric of asArray(scopeMetrics.metrics)) {
        const base = { metric: String(metric.name), unit: String(metric.unit ?? ''), scope, resource };
        for (const type of ['sum', 'gauge'] as const) {
          if (!(type in metric)) continue;
          for (const point of asArray(asObject(metric[type]).dataPoints)) {
            points.push({ ...base, type, attributes: attributes(point.attributes), value: toNumber(point.asInt ?? point.asDouble), timeUnixNano: toBigInt(point.timeUnixNano) });
          }
        }
        if ('histogram' in metric) {
          for (const point of asArray(asObject(metric.histogram).dataPoints)) {
            points.push({
              ...base,
              type: 'histogram',
              attributes: attributes(point.attributes),
              count: toNumber(point.count),
              sum: toNumber(point.sum),
              bucketCounts: asArray(point.bucketCounts).map(toNumber),
              explicitBounds: asArray(point.explicitBounds).map(toNumber),
              timeUnixNano: toBigInt(point.timeUnixNano),
            });
          }
        }
      }
    }
  }
  return points;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, bytes: String, enums: Number, defaults: false, oneofs: false };

/** Spans of one `/v1/traces` request body. */
export function decodeTraces(body: Buffer, contentType: string): ReceivedSpan[] {
  const request = contentType.includes('json') ? (JSON.parse(body.toString('utf8')) as Json) : (TraceRequest.toObject(TraceRequest.decode(body), TO_OBJECT) as Json);
  return normaliseSpans(request);
}

/** Data points of one `/v1/metrics` request body. */
export function decodeMetrics(body: Buffer, contentType: string): ReceivedPoint[] {
  const request = contentType.includes('json') ? (JSON.parse(body.toString('utf8')) as Json) : (MetricsRequest.toObject(MetricsRequest.decode(body), TO_OBJECT) as Json);
  return normaliseMetrics(request);
}
