import { useTestApi } from './support/api-client.js';

type Page = { items: { id: string }[]; next_cursor: string | null };

describe('GET /users cursor pagination (real PostgreSQL)', () => {
  const t = useTestApi();

  const create = (i: number) =>
    t.api.request('POST', '/users', { json: { email: `p${i}@x.io`, name: `P${i}` } });

  it('walks every existing row exactly once while rows are being added', async () => {
    // Given 95 users
    for (let i = 0; i < 95; i += 1) await create(i);
    const existing = (await t.db.sql<{ id: string }>('select id from users')).map((r) => r.id);

    // When a client walks the pages while other clients keep creating users
    const seen: string[] = [];
    let cursor: string | null = null;
    let added = 0;
    let pages = 0;
    do {
      const page: { body: Page; headers: Headers } = await t.api.request<Page>(
        'GET',
        `/users?limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((u) => u.id));
      cursor = page.body.next_cursor;
      if (cursor) expect(page.headers.get('link')).toContain(`cursor=${cursor}`);
      await Promise.all([create(1000 + added), create(1001 + added)]);
      added += 2;
      pages += 1;
    } while (cursor && pages < 100);

    // Then no row was seen twice and every row that existed before was seen
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(existing));
    expect(pages).toBeGreaterThanOrEqual(10);
  });

  it('validates limit and cursor', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=ten', 'cursor=not-a-cursor', 'sort=email']) {
      const response = await t.api.request('GET', `/users?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ type: 'validation-failed' });
    }
  });
});
