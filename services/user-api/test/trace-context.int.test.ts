import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { createOutboxWriter } from '../src/outbox/outbox-writer.js';
import { createUserService } from '../src/users/user-service.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('the outbox row carries the W3C trace context of the request (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(2);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });

  afterAll(async () => {
    propagation.disable();
    context.disable();
    await db.drop();
  });

  it('stores traceparent when a span is active, and null when none is', async () => {
    const users = createUserService({ orm: db.orm, outbox: createOutboxWriter({ environment: 'test' }) });
    const span = trace.wrapSpanContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
    });
    const traced = await context.with(trace.setSpan(context.active(), span), () =>
      users.createUser({ email: 'traced@x.io', name: 'T' }),
    );
    const untraced = await users.createUser({ email: 'untraced@x.io', name: 'U' });

    const rows = await db.sql<{ aggregate_id: string; traceparent: string | null }>(
      'select aggregate_id, traceparent from outbox order by id',
    );
    expect(rows).toEqual([
      {
        aggregate_id: traced.user.id,
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
      { aggregate_id: untraced.user.id, traceparent: null },
    ]);
  });
});
