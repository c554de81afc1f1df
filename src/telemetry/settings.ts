/**
 * Whether the CLI starts the OpenTelemetry SDK, and with what, from the standard `OTEL_*` environment
 * variables and the configuration file's `telemetry:` section. A pure function, so the rules are
 * tested without starting anything:
 *
 * 1. `OTEL_SDK_DISABLED=true` turns telemetry off, whatever else says.
 * 2. `telemetry.enabled: true` in the configuration turns it on.
 * 3. So does any exporter setting in the environment: `OTEL_TRACES_EXPORTER` or
 *    `OTEL_METRICS_EXPORTER` (other than `none`), `OTEL_EXPORTER_OTLP_ENDPOINT`,
 *    `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, `OTEL_CONFIG_FILE`.
 * 4. Otherwise it is off: no SDK is loaded and every span and metric call is the API's no-op.
 *
 * The environment wins over the configuration file for every setting both can give (endpoint,
 * protocol, service name, export interval), as the OpenTelemetry specification expects of `OTEL_*`.
 */

/** The `telemetry:` section of the configuration file. */
export interface TelemetryConfig {
  /** Start the SDK even without `OTEL_*` exporter variables. Default false. */
  readonly enabled?: boolean;
  /** OTLP endpoint base URL (`/v1/traces` and `/v1/metrics` are appended). Default `http://localhost:4318`. */
  readonly endpoint?: string;
  /** `http/protobuf` (default), `http/json` or `grpc` (then the endpoint is `http://host:4317`). */
  readonly protocol?: 'http/protobuf' | 'http/json' | 'grpc';
  /** `service.name` of the traces and metrics. Default `sra-etl`. */
  readonly serviceName?: string;
  /** How often metrics are exported by a long-running `serve`, seconds. Default 60. */
  readonly metricExportIntervalSeconds?: number;
  /** Longest wait for the last export when the command ends, seconds. Default 5. */
  readonly shutdownTimeoutSeconds?: number;
}

export interface TelemetrySettings {
  readonly enabled: boolean;
  /** Why, for a debug log line: `OTEL_EXPORTER_OTLP_ENDPOINT is set`. */
  readonly reason: string;
  /** `OTEL_*` variables to set before the SDK reads the environment (only ones not already set). */
  readonly environmentDefaults: Readonly<Record<string, string>>;
  /** `service.name` to put on the resource, unless the environment names the service itself. */
  readonly serviceName: string | undefined;
  readonly shutdownTimeoutMs: number;
}

export type Environment = Readonly<Record<string, string | undefined>>;

const DEFAULT_SERVICE_NAME = 'sra-etl';
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

const ENABLING_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_CONFIG_FILE'] as const;

function set(env: Environment, name: string): boolean {
  const value = env[name];
  return value !== undefined && value.trim() !== '';
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

/** An exporter list variable that asks for some exporter (not only `none`). */
function asksForExporter(value: string | undefined): boolean {
  if (value === undefined) return false;
  const names = value.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  return names.length > 0 && !names.includes('none');
}

function serviceNamedByEnvironment(env: Environment): boolean {
  if (set(env, 'OTEL_SERVICE_NAME')) return true;
  return (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',').some((pair) => pair.trim().startsWith('service.name='));
}

export function resolveTelemetry(env: Environment, config: TelemetryConfig = {}): TelemetrySettings {
  const shutdownTimeoutMs = config.shutdownTimeoutSeconds === undefined ? DEFAULT_SHUTDOWN_TIMEOUT_MS : Math.max(0, config.shutdownTimeoutSeconds * 1000);
  const off = (reason: string): TelemetrySettings => ({ enabled: false, reason, environmentDefaults: {}, serviceName: undefined, shutdownTimeoutMs });
  if (isTrue(env.OTEL_SDK_DISABLED)) return off('OTEL_SDK_DISABLED is true');

  let reason: string | undefined;
  if (config.enabled === true) reason = 'telemetry.enabled is true in the configuration';
  for (const name of ['OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER']) {
    if (reason === undefined && asksForExporter(env[name])) reason = `${name} is set`;
  }
  for (const name of ENABLING_VARIABLES) {
    if (reason === undefined && set(env, name)) reason = `${name} is set`;
  }
  if (reason === undefined) return off('no OTEL_* exporter variable is set and telemetry.enabled is not true');

  const defaults: Record<string, string> = {};
  const offer = (name: string, value: string | undefined) => {
    if (value !== undefined && !set(env, name)) defaults[name] = value;
  };
  offer('OTEL_EXPORTER_OTLP_ENDPOINT', config.endpoint);
  offer('OTEL_EXPORTER_OTLP_PROTOCOL', config.protocol);
  offer('OTEL_METRIC_EXPORT_INTERVAL', config.metricExportIntervalSeconds === undefined ? undefined : String(Math.round(config.metricExportIntervalSeconds * 1000)));
  return {
    enabled: true,
    reason,
    environmentDefaults: defaults,
    serviceName: serviceNamedByEnvironment(env) ? undefined : (config.serviceName ?? DEFAULT_SERVICE_NAME),
    shutdownTimeoutMs,
  };
}
