import { loadPublisherConfig } from '../src/config.js';

const base = {
  DATABASE_URL: 'postgres://app@db:5432/app',
  KAFKA_BROKERS: 'k:9092',
  SCHEMA_REGISTRY_URL: 'http://r:8081',
};
const problemsOf = (env: Record<string, string>) => {
  try {
    loadPublisherConfig({ ...base, ...env });
    return [];
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
};

describe('publisher concurrency settings', () => {
  it('default to four lane groups and a pool with a connection for each, plus three', () => {
    const config = loadPublisherConfig(base);
    expect(config.concurrency).toBe(4);
    expect(config.database.poolMax).toBe(7);
    expect(loadPublisherConfig({ ...base, OUTBOX_CONCURRENCY: '1' }).database.poolMax).toBe(4);
    expect(loadPublisherConfig({ ...base, DATABASE_POOL_MAX: '5' }).database.poolMax).toBe(5);
  });

  it('refuse a pool too small for the groups, and more groups than lanes', () => {
    expect(problemsOf({ OUTBOX_CONCURRENCY: '4', DATABASE_POOL_MAX: '4' })).toEqual([
      'DATABASE_POOL_MAX: at least OUTBOX_CONCURRENCY + 1 (5): each lane group holds a connection',
    ]);
    expect(problemsOf({ OUTBOX_CONCURRENCY: '8', OUTBOX_LANES: '4' })).toEqual([
      'OUTBOX_CONCURRENCY: at most OUTBOX_LANES (4); a group without lanes has nothing to do',
    ]);
  });
});
