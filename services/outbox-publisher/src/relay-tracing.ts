import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { injectTraceContext } from '@platform/kafka';
import type { OutboxRow } from './domain/outbox-row.js';

const tracer = trace.getTracer('outbox-publisher');

/**
 * Spans of the relay (see docs/operations.md, "Tracing"):
 * - one `outbox relay batch` span per claimed batch, a new trace of its own: a batch mixes
 *   events of many requests, so it cannot belong to any one of them;
 * - one `send <topic>` span per event, a CHILD of the context the API stored on the outbox row
 *   (so the request's trace continues through the relay), linked to its batch span. Its
 *   context goes into the Kafka headers, where the sink continues it.
 */
export function startBatchSpan(rows: OutboxRow[], lanes: number[]): Span {
  return tracer.startSpan(
    'outbox relay batch',
    {
      root: true,
      attributes: {
        'outbox.batch.rows': rows.length,
        'outbox.batch.first_id': rows[0]?.id ?? '',
        'outbox.batch.last_id': rows.at(-1)?.id ?? '',
        'outbox.lanes': lanes,
      },
    },
    ROOT_CONTEXT,
  );
}

export function startEventSpan(row: OutboxRow, batch: Span, topic: string): Span {
  const stored = propagation.extract(ROOT_CONTEXT, {
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    ...(row.tracestate ? { tracestate: row.tracestate } : {}),
  });
  const span = tracer.startSpan(
    `send ${topic}`,
    { kind: SpanKind.PRODUCER, links: [{ context: batch.spanContext() }] },
    stored,
  );
  // Per event: attributes only for a span that is recorded (tracing on, request sampled).
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
      'messaging.message.id': row.eventId,
      'messaging.kafka.message.key': row.aggregateId,
      'outbox.id': row.id,
      'outbox.event_type': row.eventType,
      // How long the event waited in the outbox before this relay attempt took it.
      'outbox.wait_ms': Math.max(0, Date.now() - row.eventDateTime.getTime()),
    });
  }
  return span;
}

/**
 * Trace headers for the event's Kafka message: the event span's context when tracing is on;
 * when it is off, the context stored on the row is passed through unchanged, so a traced
 * consumer still joins the request's trace.
 */
export function traceHeaders(row: OutboxRow, eventSpan: Span): Record<string, string> {
  const headers: Record<string, string> = {};
  injectTraceContext(headers, trace.setSpan(ROOT_CONTEXT, eventSpan));
  if (!headers.traceparent && row.traceparent) {
    headers.traceparent = row.traceparent;
    if (row.tracestate) headers.tracestate = row.tracestate;
  }
  return headers;
}

/** Ends spans with an error status (a failed attempt or a poison row). */
export function endWithError(spans: Iterable<Span>, error: unknown): void {
  for (const span of spans) {
    if (error instanceof Error) span.recordException(error);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    span.end();
  }
}
