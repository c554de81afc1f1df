/**
 * Starts and stops the OpenTelemetry Node SDK for the CLI, and only for the CLI: library code talks to
 * `@opentelemetry/api` alone (tracing.ts, metrics.ts). When settings.ts says telemetry is off, nothing
 * here loads the SDK, so the API stays a no-op and a run pays nothing.
 *
 * - Exporters, protocol, endpoint, sampler, batch sizes: the standard `OTEL_*` variables, read by
 *   `startNodeSdk` (OTLP over http/protobuf to http://localhost:4318 unless told otherwise).
 * - `service.name` defaults to `sra-etl`; `service.version` is the package version.
 * - The process resource omits the command line: options such as `--client-secret` must never reach
 *   a tracing backend. (Setting `OTEL_NODE_RESOURCE_DETECTORS` yourself overrides this choice.)
 * - No OpenTelemetry logs: log lines go to pino and carry the trace ids instead (log-correlation.ts).
 * - shutdownTelemetry() flushes spans and a last metric collection within a bounded time; main.ts calls
 *   it when the command ends, also after an error, and a SIGINT/SIGTERM that no command handles
 *   flushes before the process dies of it.
 */
import type { Attributes } from '@opentelemetry/api';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import packageJson from '../../package.json' with { type: 'json' };
import { etlInstruments } from './metrics.ts';
import { resolveTelemetry, type Environment, type TelemetryConfig, type TelemetrySettings } from './settings.ts';

export interface StartTelemetryOptions {
  readonly config?: TelemetryConfig;
  /** Extra resource attributes (e.g. `etl.command`). */
  readonly resourceAttributes?: Attributes;
  /** Replace the exporters the environment asks for (tests, benchmarks). */
  readonly spanProcessors?: SpanProcessor[];
  readonly metricReaders?: IMetricReader[];
}

export interface TelemetryHandle {
  readonly enabled: boolean;
  /** Why telemetry is on or off. */
  readonly reason: string;
  /** Exports what is buffered now (spans and a metric collection). */
  flush(): Promise<void>;
  /** Flushes and stops, waiting at most the configured time (default 5 s). Safe to call twice. */
  shutdown(timeoutMs?: number): Promise<void>;
}

interface RunningSdk {
  shutdown(): Promise<void>;
  flush(): Promise<void>;
}

let started: Promise<TelemetryHandle> | undefined;
/** Whether the SDK is running now (between a successful start and its shutdown). */
let running = false;

/** Whether the SDK is running: worker threads then forward their telemetry (forwarded-telemetry.ts). */
export function telemetryRunning(): boolean {
  return running;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function offHandle(settings: TelemetrySettings): TelemetryHandle {
  return { enabled: false, reason: settings.reason, flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
}

/** Resolves after `promise` or after `ms`, whichever is first; never rejects. */
async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([promise.then(() => undefined, () => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function startSdk(settings: TelemetrySettings, options: StartTelemetryOptions, env: NodeJS.ProcessEnv): Promise<RunningSdk> {
  for (const [name, value] of Object.entries(settings.environmentDefaults)) env[name] ??= value;
  const [{ startNodeSdk }, resources, { metrics, trace }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/api'),
  ]);
  const resourceAttributes: Attributes = {
    'service.version': packageJson.version,
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.executable.name': 'sra-etl',
    ...options.resourceAttributes,
  };
  if (settings.serviceName !== undefined) resourceAttributes['service.name'] = settings.serviceName;
  const detectorsChosen = (env.OTEL_NODE_RESOURCE_DETECTORS ?? '').trim() !== '';
  const sdk = startNodeSdk({
    logLevel: env.OTEL_LOG_LEVEL ?? 'warn',
    resourceAttributes,
    ...(detectorsChosen ? {} : { resourceDetectors: [resources.serviceInstanceIdDetector, resources.serviceNameEnvDetector, resources.hostDetector, resources.osDetector] }),
    logRecordProcessors: [],
    ...(options.spanProcessors === undefined ? {} : { spanProcessors: options.spanProcessors }),
    ...(options.metricReaders === undefined ? {} : { metricReaders: options.metricReaders }),
  });
  etlInstruments(); // instruments (and the lag gauge's callback) on the new MeterProvider
  return {
    shutdown: () => sdk.shutdown(),
    flush: async () => {
      const tracerProvider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
      const meterProvider = metrics.getMeterProvider() as { forceFlush?: () => Promise<void> };
      await Promise.all([tracerProvider.getDelegate?.().forceFlush?.(), meterProvider.forceFlush?.()]);
    },
  };
}

/**
 * Starts the SDK when the environment or configuration asks for it (see settings.ts). Once started,
 * later calls return the same handle: the CLI calls it before every command with the environment,
 * and commands that load a configuration file call it again with its `telemetry:` section.
 */
export async function startTelemetry(options: StartTelemetryOptions = {}): Promise<TelemetryHandle> {
  // The SDK reads process.env itself; settings from the configuration are written into it (only
  // where the variable is not set) so both agree.
  const env = process.env;
  const settings = resolveTelemetry(env as Environment, options.config);
  if (started !== undefined) {
    const handle = await started;
    if (handle.enabled || !settings.enabled) return handle;
  }
  if (!settings.enabled) return offHandle(settings);
  started = startSdk(settings, options, env).then((sdk) => {
    running = true;
    let stopping: Promise<void> | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      // A command that handles the signal stops itself and main() then flushes; otherwise the default
      // action (exit) would lose the buffered spans, so flush first and die of the signal afterwards.
      if (process.listenerCount(signal) > 1) return;
      void handle.shutdown().finally(() => {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    const handle: TelemetryHandle = {
      enabled: true,
      reason: settings.reason,
      flush: () => bounded(sdk.flush(), settings.shutdownTimeoutMs),
      shutdown: (timeoutMs = settings.shutdownTimeoutMs) => {
        running = false;
        stopping ??= bounded(sdk.shutdown(), timeoutMs).finally(() => {
          for (const signal of SIGNALS) process.removeListener(signal, onSignal);
        });
        return stopping;
      },
    };
    for (const signal of SIGNALS) process.on(signal, onSignal);
    return handle;
  });
  return started;
}

/** Flushes and stops the SDK if it was started; a no-op otherwise. Bounded (default: the configured 5 s). */
export async function shutdownTelemetry(timeoutMs?: number): Promise<void> {
  if (started === undefined) return;
  const handle = await started;
  await handle.shutdown(timeoutMs);
}
