/**
 * Off by default costs nothing: without OTEL_* exporter variables (or with OTEL_SDK_DISABLED) the SDK
 * is never loaded and every telemetry call is the API's no-op.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { metrics, trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/errors.ts';
import { traceLogMixin } from '../../../src/telemetry/log-correlation.ts';
import { countRecords, etlInstruments } from '../../../src/telemetry/metrics.ts';
import { startTelemetry } from '../../../src/telemetry/sdk.ts';
import { activeSpan, addRetryEvent, withSpan } from '../../../src/telemetry/tracing.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Environment without any OTEL_* variable the machine running the tests may have. */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('OTEL_')) env[name] = value;
  return { ...env, ...extra };
}

/**
 * Starts telemetry in a fresh Node process with a resolve hook that lists every OpenTelemetry SDK
 * package imported, then makes a span and shuts down.
 */
function sdkPackagesLoaded(env: NodeJS.ProcessEnv): { enabled: boolean; packages: string[] } {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) {
      const match = /^@opentelemetry\\/(sdk-[a-z-]+|exporter-[a-z-]+)/.exec(specifier);
      if (match) seen.add(match[1]);
      return next(specifier, context);
    } });
    const { startTelemetry, shutdownTelemetry } = await import('./src/telemetry/sdk.ts');
    const { withSpan } = await import('./src/telemetry/tracing.ts');
    const handle = await startTelemetry();
    await withSpan('etl.run', {}, () => 1);
    await shutdownTelemetry(1000);
    process.stdout.write('\\nRESULT ' + JSON.stringify({ enabled: handle.enabled, packages: [...seen].sort() }) + '\\n');
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  if (child.status !== 0) throw new Error(`child failed (${String(child.status)}): ${child.stderr}`);
  const line = child.stdout.split('\n').find((text) => text.startsWith('RESULT '));
  if (line === undefined) throw new Error(`child printed no result: ${child.stdout}`);
  return JSON.parse(line.slice('RESULT '.length)) as { enabled: boolean; packages: string[] };
}

describe('telemetry off (the default)', () => {
  it('loads no SDK package without OTEL_* variables, and with OTEL_SDK_DISABLED=true', () => {
    expect(sdkPackagesLoaded(cleanEnvironment())).toEqual({ enabled: false, packages: [] });
    // An endpoint nobody listens on: nothing may try to reach it either.
    expect(sdkPackagesLoaded(cleanEnvironment({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }))).toEqual({ enabled: false, packages: [] });
  });

  it('loads the SDK once an exporter variable asks for it (the control for the test above)', () => {
    const loaded = sdkPackagesLoaded(cleanEnvironment({ OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none' }));
    expect(loaded.enabled).toBe(true);
    expect(loaded.packages).toContain('sdk-node');
  });

  it('leaves the API a no-op in this process: spans do not record, ids stay off log lines, functions still run', async () => {
    for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
    const handle = await startTelemetry();
    expect(handle).toMatchObject({ enabled: false });
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate().constructor.name).toBe('NoopTracerProvider');
    expect(metrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
    const result = await withSpan('etl.run', {}, (span) => {
      expect(span.isRecording()).toBe(false);
      expect(activeSpan()).toBeUndefined();
      expect(traceLogMixin()).toEqual({});
      addRetryEvent({ attempt: 1, delayMs: 1, reason: 'x' });
      countRecords('parse', 5);
      return 'done';
    });
    expect(result).toBe('done');
    const failure = new SourceError('reset', 'network');
    await expect(withSpan('etl.window', {}, () => Promise.reject(failure))).rejects.toBe(failure);
    expect(etlInstruments().provider).toBe(metrics.getMeterProvider());
  });
});
