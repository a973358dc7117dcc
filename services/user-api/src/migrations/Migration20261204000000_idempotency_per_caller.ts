import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency keys belong to the caller who sent them (the token's subject): one caller's key
 * must never replay another caller's response. Records from before have no caller ('') and are
 * matched by no one; they leave with the retention (IDEMPOTENCY_RETENTION_HOURS).
 */
export class Migration20261204000000_idempotency_per_caller extends Migration {
  override up(): void {
    this.addSql(`alter table idempotency_keys add column caller varchar(255) not null default ''`);
    this.addSql('alter table idempotency_keys alter column caller drop default');
    this.addSql('alter table idempotency_keys drop constraint idempotency_keys_pkey');
    this.addSql('alter table idempotency_keys add primary key (caller, key)');
  }

  override down(): void {
    // Keys that several callers used would collide: keep each key's oldest record.
    this.addSql(
      `delete from idempotency_keys a using idempotency_keys b
        where a.key = b.key and (a.created_at, a.caller) > (b.created_at, b.caller)`,
    );
    this.addSql('alter table idempotency_keys drop constraint idempotency_keys_pkey');
    this.addSql('alter table idempotency_keys add primary key (key)');
    this.addSql('alter table idempotency_keys drop column caller');
  }
}
