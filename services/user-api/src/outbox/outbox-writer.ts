import { context, propagation } from '@opentelemetry/api';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxMessage } from '../entities/outbox-message.entity.js';
import { uuidV7 } from '../domain/uuid-v7.js';

/** An event as a use case describes it; the writer adds the envelope. */
export interface NewEvent {
  eventType: string;
  aggregateType: string;
  aggregateId: string;
  occurredAt: Date;
  context: Record<string, unknown>;
  /** Who made the change (a token's subject), when known. */
  actor?: string;
}

/**
 * Appends events to the outbox inside the caller's unit of work: the row is flushed and
 * committed with the change it describes, or not at all. Any use case emits events this way.
 */
export interface OutboxWriter {
  /** Adds the event's row to `em`'s unit of work; the caller's commit writes it. */
  append(em: EntityManager, event: NewEvent): Promise<OutboxMessage>;
}

/** Version of the payload shapes in `event_context`; bump it when one changes incompatibly. */
export const EVENT_METADATA_VERSION = 1;

export function createOutboxWriter(options: { environment: string }): OutboxWriter {
  return {
    async append(em, event) {
      // W3C trace context of the current request, so the relay can continue its trace.
      // Empty when tracing is off (no propagator registered).
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return em.create(OutboxMessage, {
        eventId: uuidV7(),
        eventType: event.eventType,
        eventDateTime: event.occurredAt,
        environment: options.environment,
        eventContext: event.context,
        metadataVersion: EVENT_METADATA_VERSION,
        aggregateType: event.aggregateType,
        aggregateId: event.aggregateId,
        actor: event.actor ?? null,
        traceparent: carrier.traceparent ?? null,
        tracestate: carrier.tracestate ?? null,
      });
    },
  };
}
