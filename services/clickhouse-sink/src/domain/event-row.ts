import { PoisonMessageError } from './errors.js';

/** One row of the event table, as inserted (JSONEachRow). */
export interface EventRow {
  event_id: string;
  event_type: string;
  /** 'YYYY-MM-DD hh:mm:ss.sss' in UTC, the DateTime64(3, 'UTC') text form. */
  event_time: string;
  environment: string;
  aggregate_type: string;
  aggregate_id: string;
  metadata_version: number;
  /** Who made the change (the caller's token subject); null when the event does not say. */
  actor: string | null;
  /** The event's own fields (everything but the envelope) as a JSON object. */
  payload: string;
  kafka_topic: string;
  kafka_topic_id: string;
  kafka_partition: number;
  kafka_offset: string;
}

export interface KafkaPosition {
  topic: string;
  /** Kafka's id of the topic: tells a re-created topic of the same name from the old one. */
  topicId: string;
  partition: number;
  offset: string;
}

const ENVELOPE = new Set([
  'event_id',
  'event_type',
  'event_time',
  'environment',
  'aggregate_type',
  'aggregate_id',
  'metadata_version',
  'actor',
]);
// What the event_time column (DateTime64(3, 'UTC')) holds. Outside it, a JavaScript Date throws
// (beyond ±8.64e15 ms) or ClickHouse would refuse the whole batch: such a record is poison.
const EARLIEST_TIME = Date.UTC(1900, 0, 1);
const LATEST_TIME = Date.UTC(2300, 0, 1) - 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function text(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new PoisonMessageError('UNMAPPABLE', `${field} must be a non-empty string`);
  }
  return value;
}

/**
 * Maps a decoded event (any of our event types, any schema version) to a table row: the
 * envelope into columns, the rest into `payload`, the Kafka position for provenance.
 */
export function toEventRow(record: Record<string, unknown>, position: KafkaPosition): EventRow {
  const eventId = text(record, 'event_id');
  if (!UUID.test(eventId)) throw new PoisonMessageError('UNMAPPABLE', 'event_id must be a UUID');
  const time = record.event_time;
  const millis = time instanceof Date ? time.getTime() : time;
  if (typeof millis !== 'number' || !Number.isFinite(millis)) {
    throw new PoisonMessageError('UNMAPPABLE', 'event_time must be a timestamp');
  }
  if (millis < EARLIEST_TIME || millis > LATEST_TIME) {
    throw new PoisonMessageError('UNMAPPABLE', 'event_time must be between 1900-01-01 and 2299-12-31 (UTC)');
  }
  const version = record.metadata_version;
  if (!Number.isInteger(version) || (version as number) < 0 || (version as number) > 65535) {
    throw new PoisonMessageError('UNMAPPABLE', 'metadata_version must be a whole number 0-65535');
  }
  // A plain loop: this runs once per message, and entries/filter/fromEntries cost six times more.
  const payload: Record<string, unknown> = {};
  for (const key of Object.keys(record)) if (!ENVELOPE.has(key)) payload[key] = record[key];
  return {
    event_id: eventId.toLowerCase(),
    event_type: text(record, 'event_type'),
    event_time: new Date(millis).toISOString().replace('T', ' ').replace('Z', ''),
    environment: text(record, 'environment'),
    aggregate_type: text(record, 'aggregate_type'),
    aggregate_id: text(record, 'aggregate_id'),
    metadata_version: version as number,
    actor: typeof record.actor === 'string' ? record.actor : null,
    payload: JSON.stringify(payload),
    kafka_topic: position.topic,
    kafka_topic_id: position.topicId,
    kafka_partition: position.partition,
    kafka_offset: position.offset,
  };
}
