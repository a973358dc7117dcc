import avro from 'avsc';
import {
  eventSchemas,
  type OrderPlaced,
  type PlatformEvent,
  type UserCreated,
  type UserDeleted,
  type UserUpdated,
} from '../src/index.js';

// One fixture per event type, typed with the TypeScript interface: if the interface and the
// .avsc drift apart, either this file stops compiling or the schema rejects the fixture.
const envelope = {
  event_id: '0190f5e2-0000-7000-8000-000000000001',
  event_time: 1_790_000_000_000,
  environment: 'test',
  aggregate_type: 'user',
  aggregate_id: '0190f5e2-0000-7000-8000-000000000002',
  metadata_version: 1,
  actor: 'alice',
};
const created: UserCreated = {
  ...envelope,
  event_type: 'user_created',
  user_id: envelope.aggregate_id,
  email: 'a@x.io',
  name: 'A',
  version: 1,
};
const updated: UserUpdated = {
  ...envelope,
  event_type: 'user_updated',
  user_id: envelope.aggregate_id,
  version: 2,
  changes: { email: null, name: { from: 'A', to: 'B' } },
};
const deleted: UserDeleted = {
  ...envelope,
  event_type: 'user_deleted',
  user_id: envelope.aggregate_id,
  version: 2,
};
const placed: OrderPlaced = {
  ...envelope,
  event_type: 'order_placed',
  aggregate_type: 'order',
  aggregate_id: '0190f5e2-0000-7000-8000-000000000003',
  order_id: '0190f5e2-0000-7000-8000-000000000003',
  user_id: '0190f5e2-0000-7000-8000-000000000002',
  total_cents: 12_345,
  currency: 'EUR',
};
const fixtures: PlatformEvent[] = [created, updated, deleted, placed];

describe('TypeScript types agree with the Avro schemas', () => {
  it.each(fixtures.map((f) => [f.event_type, f] as const))('%s', (eventType, fixture) => {
    const schema = eventSchemas[eventType];
    const type = avro.Type.forSchema(schema as avro.Schema);
    const errors: string[] = [];
    type.isValid(fixture, { errorHook: (path) => errors.push(path.join('.')) });
    expect(errors).toEqual([]);
    // Same field names on both sides: nothing the schema has is missing from the type.
    expect(Object.keys(fixture).sort()).toEqual(schema.fields.map((f) => f.name).sort());
    expect(type.fromBuffer(type.toBuffer(fixture))).toEqual(fixture);
  });
});
