// TypeScript shapes of the records in avro/*.avsc. test/types.unit.test.ts checks each against
// its schema, so the two cannot drift apart.

/** Fields every event carries, whatever its type. */
export interface EventEnvelope {
  event_id: string;
  event_type: string;
  /** Milliseconds since the Unix epoch, UTC (Avro timestamp-millis). */
  event_time: number;
  environment: string;
  aggregate_type: string;
  aggregate_id: string;
  metadata_version: number;
  /** The subject of the caller's access token; null when not known. Since schema v2. */
  actor: string | null;
}

export interface UserCreated extends EventEnvelope {
  event_type: 'user_created';
  user_id: string;
  email: string;
  name: string;
  version: number;
}

export interface StringChange {
  from: string;
  to: string;
}

export interface UserUpdated extends EventEnvelope {
  event_type: 'user_updated';
  user_id: string;
  version: number;
  changes: { email: StringChange | null; name: StringChange | null };
}

export interface UserDeleted extends EventEnvelope {
  event_type: 'user_deleted';
  user_id: string;
  version: number;
}

export type UserEvent = UserCreated | UserUpdated | UserDeleted;
export type UserEventType = UserEvent['event_type'];
