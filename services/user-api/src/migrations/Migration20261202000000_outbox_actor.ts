import { Migration } from '@mikro-orm/migrations';

/** Who made a change (the caller's token subject) travels with its event. */
export class Migration20261202000000_outbox_actor extends Migration {
  override up(): void {
    // Nullable, no default to fill: instant on a big outbox, and rows before it have no actor.
    this.addSql('alter table outbox add column actor text null');
  }

  override down(): void {
    this.addSql('alter table outbox drop column actor');
  }
}
