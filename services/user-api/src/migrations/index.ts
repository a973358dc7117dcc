import { Migration20261122000000_initial } from './Migration20261122000000_initial.js';
import { Migration20261122010000_outbox_relay } from './Migration20261122010000_outbox_relay.js';
import { Migration20261202000000_outbox_actor } from './Migration20261202000000_outbox_actor.js';
import { Migration20261204000000_idempotency_per_caller } from './Migration20261204000000_idempotency_per_caller.js';

/**
 * Every migration, in order. Listed explicitly rather than discovered from files, so the same
 * list runs from compiled JavaScript, from TypeScript under jest, and from a bundled image.
 */
export const migrationsList = [
  { name: 'Migration20261122000000_initial', class: Migration20261122000000_initial },
  { name: 'Migration20261122010000_outbox_relay', class: Migration20261122010000_outbox_relay },
  { name: 'Migration20261202000000_outbox_actor', class: Migration20261202000000_outbox_actor },
  {
    name: 'Migration20261204000000_idempotency_per_caller',
    class: Migration20261204000000_idempotency_per_caller,
  },
];
