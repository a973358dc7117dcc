export const POISON_MESSAGE_CODES = [
  'NOT_CONFLUENT_FRAMING',
  'UNKNOWN_SCHEMA_ID',
  'INCOMPATIBLE_SCHEMA',
  'UNDECODABLE',
  'UNMAPPABLE',
  // ClickHouse refused the row, alone, every time (a data error, see adapters/clickhouse/errors.ts).
  'INSERT_REFUSED',
] as const;
export type PoisonMessageCode = (typeof POISON_MESSAGE_CODES)[number];

/** A message no retry can store: it goes to the dead-letter topic with this reason. */
export class PoisonMessageError extends Error {
  constructor(
    readonly code: PoisonMessageCode,
    reason: string,
  ) {
    super(reason);
    this.name = 'PoisonMessageError';
  }
}
