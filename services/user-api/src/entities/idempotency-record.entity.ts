import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** The first response to a request that carried an Idempotency-Key, kept to answer its retries. */
export const IdempotencyRecord = defineEntity({
  name: 'IdempotencyRecord',
  tableName: 'idempotency_keys',
  properties: {
    // Keys are the caller's (its token's subject): another caller's same key is another record.
    caller: p.string().primary(),
    key: p.string().primary(),
    // sha-256 of the request (method, path, canonical body): a key reused for another request is refused.
    requestFingerprint: p.string(),
    responseStatus: p.integer(),
    responseBody: p.json<unknown>(),
    responseLocation: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export type IdempotencyRecord = InferEntity<typeof IdempotencyRecord>;
