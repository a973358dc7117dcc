import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { OutboxRow } from '../src/domain/outbox-row.js';
import { startBatchSpan, startEventSpan, traceHeaders } from '../src/relay-tracing.js';

const storedTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const storedSpanId = '00f067aa0ba902b7';
const row: OutboxRow = {
  id: '7',
  eventId: '00000000-0000-4000-8000-000000000007',
  eventType: 'user_created',
  eventDateTime: new Date(),
  environment: 'test',
  eventContext: {},
  metadataVersion: 1,
  aggregateType: 'user',
  aggregateId: 'u-1',
  actor: 'alice',
  traceparent: `00-${storedTraceId}-${storedSpanId}-01`,
  tracestate: 'vendor=1',
};

describe('relay tracing, with tracing off (no SDK registered)', () => {
  it('passes the stored trace context through to the Kafka headers unchanged', () => {
    const batch = startBatchSpan([row], [0]);
    const headers = traceHeaders(row, startEventSpan(row, batch, 'user-events'));
    expect(headers).toEqual({ traceparent: row.traceparent, tracestate: 'vendor=1' });
  });

  it('adds no trace headers for a row stored without a context', () => {
    const untraced = { ...row, traceparent: null, tracestate: null };
    const batch = startBatchSpan([untraced], [0]);
    expect(traceHeaders(untraced, startEventSpan(untraced, batch, 'user-events'))).toEqual({});
  });
});

describe('relay tracing, with tracing on', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });

  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
  });

  it("continues the request's trace: the event span is a child of the stored context, linked to its batch", () => {
    const batch = startBatchSpan([row], [3]);
    const event = startEventSpan(row, batch, 'user-events');
    const headers = traceHeaders(row, event);
    event.end();
    batch.end();

    const [eventSpan, batchSpan] = exporter.getFinishedSpans();
    expect(eventSpan!.name).toBe('send user-events');
    expect(eventSpan!.spanContext().traceId).toBe(storedTraceId);
    expect(eventSpan!.parentSpanContext?.spanId).toBe(storedSpanId);
    expect(eventSpan!.links.map((link) => link.context.spanId)).toEqual([batchSpan!.spanContext().spanId]);
    expect(eventSpan!.attributes['messaging.message.id']).toBe(row.eventId);
    // The batch is a trace of its own: it serves many requests.
    expect(batchSpan!.spanContext().traceId).not.toBe(storedTraceId);
    expect(batchSpan!.parentSpanContext).toBeUndefined();
    // The message carries the event span's context (the sink continues from it), not the stored one.
    expect(headers.traceparent).toBe(`00-${storedTraceId}-${eventSpan!.spanContext().spanId}-01`);
    expect(headers.tracestate).toBe('vendor=1');
  });
});
