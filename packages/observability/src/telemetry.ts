import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface Telemetry {
  readonly enabled: boolean;
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Tracing is on when an OTLP endpoint is configured through the standard variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is
 * not "true". The exporter itself reads the rest of the OTEL_* variables.
 */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export function startTelemetry(service: { name: string; version: string }): Telemetry {
  if (!tracingConfigured()) {
    return { enabled: false, shutdown: async () => {} };
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? service.name,
      [ATTR_SERVICE_VERSION]: service.version,
    }),
    traceExporter: new OTLPTraceExporter(),
    // A sink batch span links to every message it inserted (up to its batch size, 1000 by
    // default); the SDK's default of 128 links would silently drop most of them.
    // OTEL_SPAN_LINK_COUNT_LIMIT, when set, still wins.
    ...(process.env.OTEL_SPAN_LINK_COUNT_LIMIT ? {} : { spanLimits: { linkCountLimit: 10_000 } }),
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
