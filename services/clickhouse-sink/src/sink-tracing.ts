import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import { extractTraceContext } from '@platform/kafka';
import type { PoisonMessageError } from './domain/errors.js';
import type { KafkaPosition } from './domain/event-row.js';

const tracer = trace.getTracer('clickhouse-sink');

/** A consumed message's tracing: its own span, and the producer's context it continues. */
export interface MessageTrace {
  span: Span;
  producer: SpanContext | undefined;
}

/**
 * Spans of the sink (see docs/operations.md, "Tracing"):
 * - `process <topic>` per message, a CHILD of the producer's context from the Kafka headers, so
 *   the request's trace reaches the sink. It starts when the message is taken from Kafka and
 *   ends once its row is stored (or dead-lettered): its length is the time spent batching.
 * - `insert <table>` per batch, a new trace linked to every message's producer context, and
 *   each message span links back to it.
 * - `send <dead-letter topic>` when a message is dead-lettered, under its message span.
 */
export function startMessageSpan(
  message: KafkaMessage,
  position: KafkaPosition,
  groupId: string,
): MessageTrace {
  const parent = extractTraceContext(message.headers);
  const span = tracer.startSpan(`process ${position.topic}`, { kind: SpanKind.CONSUMER }, parent);
  // Per message: attributes only for a span that is recorded (tracing on, request sampled).
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': position.topic,
      'messaging.destination.partition.id': String(position.partition),
      'messaging.kafka.offset': Number(position.offset),
      'messaging.consumer.group.name': groupId,
      ...(message.headers?.event_id ? { 'messaging.message.id': String(message.headers.event_id) } : {}),
    });
  }
  return { span, producer: trace.getSpanContext(parent) };
}

export function startInsertSpan(
  table: string,
  batch: { partition: number; firstOffset: bigint; lastOffset: bigint; rows: number },
  messages: (MessageTrace | undefined)[],
): Span {
  // Links only to sampled producers: an unsampled context leads nowhere in the trace store.
  const links: Link[] = messages.flatMap((message) =>
    message?.producer && message.producer.traceFlags & TraceFlags.SAMPLED
      ? [{ context: message.producer }]
      : [],
  );
  return tracer.startSpan(
    `insert ${table}`,
    {
      kind: SpanKind.CLIENT,
      root: true,
      links,
      attributes: {
        'db.system.name': 'clickhouse',
        'db.operation.name': 'INSERT',
        'db.collection.name': table,
        'db.operation.batch.size': batch.rows,
        'messaging.destination.partition.id': String(batch.partition),
        'sink.first_offset': Number(batch.firstOffset),
        'sink.last_offset': Number(batch.lastOffset),
      },
    },
    ROOT_CONTEXT,
  );
}

/** Runs `work` with `span` active (log lines and nested spans belong to it). */
export function withSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  return context.with(trace.setSpan(context.active(), span), work);
}

/** The message spans of a stored batch end, each linked to the insert that stored it. */
export function endStored(messages: (MessageTrace | undefined)[], insert: Span): void {
  for (const message of messages) {
    message?.span.addLink({ context: insert.spanContext() });
    message?.span.end();
  }
}

/** Around sending a message to the dead-letter topic; its message span ends as an error. */
export async function traceDeadLetter(
  message: MessageTrace,
  dlqTopic: string,
  error: PoisonMessageError,
  send: () => Promise<void>,
): Promise<void> {
  const span = tracer.startSpan(
    `send ${dlqTopic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': dlqTopic,
        'error.type': error.code,
      },
    },
    trace.setSpan(context.active(), message.span),
  );
  try {
    await withSpan(span, send);
  } finally {
    span.end();
  }
  message.span.addEvent('dead-lettered', { 'error.type': error.code, reason: error.message });
  message.span.setStatus({ code: SpanStatusCode.ERROR, message: `${error.code}: ${error.message}` });
  message.span.end();
}

/** Notes a failed insert attempt on the batch span (the batch is retried). */
export function recordFailedAttempt(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : new Error(String(error)));
}
