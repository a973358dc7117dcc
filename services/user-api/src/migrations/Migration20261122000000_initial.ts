import { Migration } from '@mikro-orm/migrations';

/** Users, the outbox and idempotency keys. */
export class Migration20261122000000_initial extends Migration {
  override up(): void {
    this.addSql(`
      create table users (
        id uuid primary key,
        email varchar(254) not null,
        name varchar(200) not null,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        version integer not null default 1
      )`);
    // Case-insensitive uniqueness without the citext extension.
    this.addSql(`create unique index users_email_lower_unique on users (lower(email))`);

    this.addSql(`
      create table outbox (
        id bigint generated always as identity primary key,
        event_id uuid not null unique,
        event_type varchar(100) not null,
        event_date_time timestamptz not null,
        environment varchar(32) not null,
        event_context jsonb not null,
        metadata_version integer not null,
        aggregate_type varchar(100) not null,
        aggregate_id varchar(100) not null,
        traceparent varchar(55),
        tracestate varchar(512),
        status varchar(16) not null default 'pending'
          check (status in ('pending', 'processed', 'failed')),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_error text,
        processed_at timestamptz,
        created_at timestamptz not null default now()
      )`);
    // "Find pending rows" stays cheap however many processed rows accumulate: the index holds
    // pending rows only.
    this.addSql(`create index outbox_pending_idx on outbox (next_attempt_at, id) where status = 'pending'`);
    this.addSql(`create index outbox_aggregate_idx on outbox (aggregate_type, aggregate_id, id)`);
    this.addSql(`create index outbox_processed_at_idx on outbox (processed_at) where status = 'processed'`);

    this.addSql(`
      create table idempotency_keys (
        key varchar(255) primary key,
        request_fingerprint char(64) not null,
        response_status integer not null,
        -- json, not jsonb: a replay returns the original body byte for byte (jsonb reorders keys)
        response_body json not null,
        response_location varchar(2048),
        created_at timestamptz not null default now()
      )`);
    this.addSql(`create index idempotency_keys_created_at_idx on idempotency_keys (created_at)`);
  }

  override down(): void {
    this.addSql('drop table idempotency_keys');
    this.addSql('drop table outbox');
    this.addSql('drop table users');
  }
}
