/** An outbox row as the relay reads it (the table is owned by user-api's migrations). */
export interface OutboxRow {
  id: string;
  eventId: string;
  eventType: string;
  eventDateTime: Date;
  environment: string;
  eventContext: unknown;
  metadataVersion: number;
  aggregateType: string;
  aggregateId: string;
  actor: string | null;
  traceparent: string | null;
  tracestate: string | null;
}

/** A row that can never be published as it is: it is marked failed with this reason. */
export class PoisonRowError extends Error {
  readonly code = 'POISON_ROW';
  constructor(reason: string) {
    super(reason);
    this.name = 'PoisonRowError';
  }
}
