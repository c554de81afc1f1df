import { describe, expect, it } from 'vitest';
import { resolveTelemetry } from '../../../src/telemetry/settings.ts';

describe('resolveTelemetry: when the CLI starts the OpenTelemetry SDK', () => {
  it('is off with no OTEL_* exporter variable and no configuration switch', () => {
    const settings = resolveTelemetry({ PATH: '/usr/bin', OTEL_SERVICE_NAME: 'etl' });
    expect(settings.enabled).toBe(false);
    expect(settings.reason).toMatch(/no OTEL_\* exporter variable/);
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://collector:4318'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'http://collector:4318/v1/traces'],
    ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'http://collector:4318/v1/metrics'],
    ['OTEL_TRACES_EXPORTER', 'otlp'],
    ['OTEL_TRACES_EXPORTER', 'console'],
    ['OTEL_METRICS_EXPORTER', 'otlp'],
    ['OTEL_CONFIG_FILE', '/etc/otel.yaml'],
  ])('is on when %s=%s', (name, value) => {
    const settings = resolveTelemetry({ [name]: value });
    expect(settings.enabled).toBe(true);
    expect(settings.reason).toBe(`${name} is set`);
  });

  it('treats exporter lists of only "none" and blank values as not asking', () => {
    expect(resolveTelemetry({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: ' none ' }).enabled).toBe(false);
    expect(resolveTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }).enabled).toBe(false);
    expect(resolveTelemetry({ OTEL_TRACES_EXPORTER: 'none,otlp' }).enabled).toBe(false);
  });

  it('is on with telemetry.enabled in the configuration, and offers its settings as OTEL_* defaults', () => {
    const settings = resolveTelemetry({}, { enabled: true, endpoint: 'http://jaeger:4318', protocol: 'http/json', serviceName: 'etl-prod', metricExportIntervalSeconds: 30 });
    expect(settings).toMatchObject({
      enabled: true,
      reason: 'telemetry.enabled is true in the configuration',
      serviceName: 'etl-prod',
      environmentDefaults: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_METRIC_EXPORT_INTERVAL: '30000' },
    });
  });

  it('lets the environment win over the configuration file', () => {
    const settings = resolveTelemetry(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318', OTEL_SERVICE_NAME: 'from-env' },
      { enabled: true, endpoint: 'http://config:4318', protocol: 'grpc', serviceName: 'from-config' },
    );
    expect(settings.environmentDefaults).toEqual({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(settings.serviceName).toBeUndefined(); // the SDK takes OTEL_SERVICE_NAME itself
    expect(resolveTelemetry({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=x', OTEL_TRACES_EXPORTER: 'otlp' }).serviceName).toBeUndefined();
  });

  it('names the service sra-etl by default', () => {
    expect(resolveTelemetry({ OTEL_TRACES_EXPORTER: 'otlp' }).serviceName).toBe('sra-etl');
  });

  it('is off with OTEL_SDK_DISABLED=true whatever else asks for it', () => {
    const settings = resolveTelemetry({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, { enabled: true });
    expect(settings.enabled).toBe(false);
    expect(settings.reason).toBe('OTEL_SDK_DISABLED is true');
    expect(resolveTelemetry({ OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' }).enabled).toBe(true);
  });

  it('bounds the shutdown wait: 5 s by default, or the configured seconds', () => {
    expect(resolveTelemetry({}).shutdownTimeoutMs).toBe(5000);
    expect(resolveTelemetry({}, { shutdownTimeoutSeconds: 1.5 }).shutdownTimeoutMs).toBe(1500);
  });
});
