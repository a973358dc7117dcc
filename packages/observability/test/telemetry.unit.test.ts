import { tracingConfigured } from '../src/index.js';

describe('tracingConfigured', () => {
  it('is off unless an OTLP endpoint is set', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces' })).toBe(
      true,
    );
  });

  it('is off when OTEL_SDK_DISABLED=true, whatever the endpoint', () => {
    expect(
      tracingConfigured({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }),
    ).toBe(false);
  });
});
