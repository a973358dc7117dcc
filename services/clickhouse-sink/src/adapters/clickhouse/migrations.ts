import type { ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseMigration {
  version: number;
  name: string;
  statements: (target: { database: string; table: string }) => string[];
}

/**
 * The event table's DDL, versioned. Applied in order by `migrate`, each recorded in
 * `<database>.schema_migrations`; statements are idempotent (IF NOT EXISTS) so a migration
 * interrupted before it was recorded can simply run again.
 */
export const migrations: ClickHouseMigration[] = [
  {
    version: 1,
    name: 'event table',
    statements: ({ database, table }) => [
      `CREATE TABLE IF NOT EXISTS ${database}.${table} (
        event_id UUID,
        event_type LowCardinality(String),
        event_time DateTime64(3, 'UTC'),
        environment LowCardinality(String),
        aggregate_type LowCardinality(String),
        aggregate_id String,
        metadata_version UInt16,
        payload String CODEC(ZSTD(3)),
        kafka_topic LowCardinality(String),
        kafka_partition UInt32,
        kafka_offset UInt64,
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(event_time)
      -- Analysts filter by type and time; event_id last makes a re-published event (same id,
      -- type and time) collapse into one row on merge.
      ORDER BY (event_type, event_time, event_id)
      -- Remembers the tokens of the last 1000 inserts: a batch inserted again is dropped.
      SETTINGS non_replicated_deduplication_window = 1000`,
    ],
  },
  {
    version: 2,
    name: 'topic id and stored positions',
    statements: ({ database, table }) => [
      // Kafka's id of the topic a row came from: a topic deleted and re-created under the same
      // name starts its offsets again, and its positions must not be mistaken for the old ones.
      // Rows stored before this migration have the zero id.
      `ALTER TABLE ${database}.${table} ADD COLUMN IF NOT EXISTS kafka_topic_id UUID AFTER kafka_topic`,
      // A ReplacingMergeTree refuses projections unless told what merges do with them.
      `ALTER TABLE ${database}.${table} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'`,
      // The highest offset per topic and partition, kept inside every part: a new owner's
      // lookup reads a few rows per part instead of the whole table.
      `ALTER TABLE ${database}.${table} ADD PROJECTION IF NOT EXISTS stored_positions (
        SELECT kafka_topic_id, kafka_partition, max(kafka_offset)
        GROUP BY kafka_topic_id, kafka_partition
      )`,
      `ALTER TABLE ${database}.${table} MATERIALIZE PROJECTION stored_positions SETTINGS mutations_sync = 2`,
    ],
  },
  {
    version: 3,
    name: 'actor',
    statements: ({ database, table }) => [
      // Who made the change (event schema v2); null for older events.
      `ALTER TABLE ${database}.${table} ADD COLUMN IF NOT EXISTS actor Nullable(String) AFTER metadata_version`,
    ],
  },
];

export async function migrate(
  client: ClickHouseClient,
  target: { database: string; table: string },
): Promise<string[]> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${target.database}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${target.database}.schema_migrations (
      version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = MergeTree ORDER BY version`,
  });
  const result = await client.query({
    query: `SELECT version FROM ${target.database}.schema_migrations`,
    format: 'JSONEachRow',
  });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)));
  const ran: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements(target)) await client.command({ query: statement });
    await client.insert({
      table: `${target.database}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name }],
      format: 'JSONEachRow',
    });
    ran.push(`${migration.version} ${migration.name}`);
  }
  return ran;
}
