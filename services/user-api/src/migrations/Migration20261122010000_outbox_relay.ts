import { Migration } from '@mikro-orm/migrations';

/**
 * What the relay (outbox-publisher) needs from the outbox: a wake-up when rows are committed,
 * and a cheap way to find aggregates blocked behind a failed row.
 */
export class Migration20261122010000_outbox_relay extends Migration {
  override up(): void {
    // One notification per inserting statement, delivered at COMMIT (never for a rolled-back
    // transaction), so the relay wakes as soon as rows become visible.
    this.addSql(`
      create function outbox_notify() returns trigger language plpgsql as $$
      begin
        perform pg_notify('outbox_pending', '');
        return null;
      end $$`);
    this.addSql(`
      create trigger outbox_notify after insert on outbox
        for each statement execute function outbox_notify()`);
    this.addSql(
      `create index outbox_failed_idx on outbox (aggregate_type, aggregate_id, id) where status = 'failed'`,
    );
    // The relay reads pending rows in id order (commit order per aggregate), not by
    // next_attempt_at: this partial index serves that and stays as small as the backlog.
    this.addSql('drop index outbox_pending_idx');
    this.addSql(`create index outbox_pending_id_idx on outbox (id) where status = 'pending'`);
  }

  override down(): void {
    this.addSql('drop index outbox_pending_id_idx');
    this.addSql(`create index outbox_pending_idx on outbox (next_attempt_at, id) where status = 'pending'`);
    this.addSql('drop index outbox_failed_idx');
    this.addSql('drop trigger outbox_notify on outbox');
    this.addSql('drop function outbox_notify');
  }
}
