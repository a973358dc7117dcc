import { useTestApi } from './support/api-client.js';

type OutboxRow = {
  id: string;
  event_id: string;
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  environment: string;
  metadata_version: number;
  event_context: Record<string, unknown>;
  status: string;
  attempts: number;
  processed_at: Date | null;
};

describe('users resource (real PostgreSQL)', () => {
  const t = useTestApi();

  const eventsOf = (userId: string) =>
    t.db.sql<OutboxRow>('select * from outbox where aggregate_id = $1 order by id', [userId]);

  it('creates, reads, updates and deletes a user, emitting one event per change', async () => {
    // Given a new user
    const created = await t.api.request('POST', '/users', {
      json: { email: ' Ada@Example.com ', name: 'Ada' },
    });
    expect(created.status).toBe(201);
    const user = created.body as { id: string; email: string; version: number };
    expect(user).toMatchObject({ email: 'Ada@Example.com', name: 'Ada', version: 1 });
    expect(created.headers.get('location')).toBe(`/users/${user.id}`);
    expect(created.headers.get('etag')).toBe('"1"');

    // When it is read, changed and deleted
    const read = await t.api.request('GET', `/users/${user.id}`);
    expect(read.body).toEqual(created.body);
    const updated = await t.api.request('PATCH', `/users/${user.id}`, {
      json: { name: 'Ada Lovelace' },
      headers: { 'If-Match': '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Ada Lovelace', version: 2 });
    expect(updated.headers.get('etag')).toBe('"2"');
    const deleted = await t.api.request('DELETE', `/users/${user.id}`, { headers: { 'If-Match': '"2"' } });
    expect(deleted.status).toBe(204);
    expect((await t.api.request('GET', `/users/${user.id}`)).status).toBe(404);

    // Then the outbox holds exactly the three events, in order, pending for the relay
    const events = await eventsOf(user.id);
    expect(events.map((e) => e.event_type)).toEqual(['user_created', 'user_updated', 'user_deleted']);
    expect(events[0]).toMatchObject({
      aggregate_type: 'user',
      environment: 'test',
      metadata_version: 1,
      actor: 'test-client', // the subject of the token the request carried
      status: 'pending',
      attempts: 0,
      processed_at: null,
      event_context: { user_id: user.id, email: 'Ada@Example.com', name: 'Ada', version: 1 },
    });
    expect(events[1]!.event_context).toEqual({
      user_id: user.id,
      version: 2,
      changes: { name: { from: 'Ada', to: 'Ada Lovelace' } },
    });
    expect(events[2]!.event_context).toEqual({ user_id: user.id, version: 2 });
    expect(new Set(events.map((e) => e.event_id)).size).toBe(3);
  });

  it('refuses a stale If-Match with 412 and changes nothing', async () => {
    const { body } = await t.api.request<{ id: string }>('POST', '/users', {
      json: { email: 'b@x.io', name: 'B' },
    });
    await t.api.request('PATCH', `/users/${body.id}`, {
      json: { name: 'B2' },
      headers: { 'If-Match': '"1"' },
    });

    const stale = await t.api.request('PATCH', `/users/${body.id}`, {
      json: { name: 'B3' },
      headers: { 'If-Match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ type: 'version-mismatch', current_version: 2 });
    const staleDelete = await t.api.request('DELETE', `/users/${body.id}`, {
      headers: { 'If-Match': '"1"' },
    });
    expect(staleDelete.status).toBe(412);

    expect((await t.api.request('GET', `/users/${body.id}`)).body).toMatchObject({ name: 'B2', version: 2 });
    expect((await eventsOf(body.id)).map((e) => e.event_type)).toEqual(['user_created', 'user_updated']);
  });

  it('requires If-Match on PATCH (428) and accepts * for any version', async () => {
    const { body } = await t.api.request<{ id: string }>('POST', '/users', {
      json: { email: 'c@x.io', name: 'C' },
    });
    const missing = await t.api.request('PATCH', `/users/${body.id}`, { json: { name: 'C2' } });
    expect(missing.status).toBe(428);
    const any = await t.api.request('PATCH', `/users/${body.id}`, {
      json: { name: 'C2' },
      headers: { 'If-Match': '*' },
    });
    expect(any.status).toBe(200);
  });

  it('treats a patch that changes nothing as a no-op: same version, no event', async () => {
    const { body } = await t.api.request<{ id: string }>('POST', '/users', {
      json: { email: 'd@x.io', name: 'D' },
    });
    const same = await t.api.request('PATCH', `/users/${body.id}`, {
      json: { name: 'D' },
      headers: { 'If-Match': '"1"' },
    });
    expect(same.body).toMatchObject({ version: 1 });
    expect(await eventsOf(body.id)).toHaveLength(1);
  });

  it('answers 409 to an email another user has, in any letter case, on create and on update', async () => {
    await t.api.request('POST', '/users', { json: { email: 'taken@x.io', name: 'T' } });
    const create = await t.api.request('POST', '/users', { json: { email: 'TAKEN@x.io', name: 'T2' } });
    expect(create.status).toBe(409);
    expect(create.body).toMatchObject({ type: 'duplicate-email', status: 409 });

    const { body } = await t.api.request<{ id: string }>('POST', '/users', {
      json: { email: 'e@x.io', name: 'E' },
    });
    const update = await t.api.request('PATCH', `/users/${body.id}`, {
      json: { email: 'Taken@X.io' },
      headers: { 'If-Match': '"1"' },
    });
    expect(update.status).toBe(409);
    expect(await eventsOf(body.id)).toHaveLength(1);
  });

  it('answers 404 problems for unknown users', async () => {
    const id = '0190f5e2-0000-7000-8000-000000000000';
    for (const [method, headers] of [
      ['GET', {}],
      ['PATCH', { 'If-Match': '"1"' }],
      ['DELETE', {}],
    ] as const) {
      const response = await t.api.request(method, `/users/${id}`, {
        ...(method === 'PATCH' ? { json: { name: 'x' } } : {}),
        headers,
      });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ type: 'user-not-found', instance: `/users/${id}` });
    }
  });
});
