/** A message no retry can store: it goes to the dead-letter topic with this reason. */
export class PoisonMessageError extends Error {
  constructor(
    readonly code: 'NOT_CONFLUENT_FRAMING' | 'UNKNOWN_SCHEMA_ID' | 'UNDECODABLE' | 'UNMAPPABLE',
    reason: string,
  ) {
    super(reason);
    this.name = 'PoisonMessageError';
  }
}
