import { IdempotencyRecord } from './idempotency-record.entity.js';
import { OutboxMessage } from './outbox-message.entity.js';
import { User } from './user.entity.js';

export { IdempotencyRecord, OutboxMessage, User };
export const entities = [User, OutboxMessage, IdempotencyRecord];
