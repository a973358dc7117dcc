import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A user of the application. The table (and its case-insensitive unique email) comes from migrations. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    email: p.string(),
    name: p.string(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    // Optimistic locking: every UPDATE checks and increments it; exposed to clients as the ETag.
    version: p.integer().version(),
  },
});

export type User = InferEntity<typeof User>;
