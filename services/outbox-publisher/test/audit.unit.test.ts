import { createHash, randomUUID } from 'node:crypto';
import {
  createAudit,
  describeAudit,
  type AuditRange,
  type CommittedEvents,
  type StoredEvents,
} from '../src/audit.js';
import {
  AuditInputError,
  auditWindow,
  differingBuckets,
  differingEvents,
  hashPrefixLength,
  type BucketSummary,
  type OutboxStatus,
} from '../src/domain/audit.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);

describe('auditWindow', () => {
  const now = at('2026-12-02T12:30:00.000Z');

  it('starts after the retention horizon (at the next whole hour past it) and ends at now - settle', () => {
    const window = auditWindow({ now, settleMs: 5 * 60_000, retentionMs: 24 * HOUR, sweepMarginMs: 600_000 });
    expect(window.from.toISOString()).toBe('2026-12-01T13:00:00.000Z');
    expect(window.to.toISOString()).toBe('2026-12-02T12:25:00.000Z');
    expect(window.notes).toEqual([]);
  });

  it('moves a start before the horizon and an end inside the settle window, and says so', () => {
    const window = auditWindow({
      since: at('2026-11-01T00:00:00.000Z'),
      until: at('2026-12-02T12:29:00.000Z'),
      now,
      settleMs: 5 * 60_000,
      retentionMs: 24 * HOUR,
    });
    expect(window.from.toISOString()).toBe('2026-12-01T13:00:00.000Z');
    expect(window.to.toISOString()).toBe('2026-12-02T12:25:00.000Z');
    expect(window.notes).toHaveLength(2);
    expect(window.notes[0]).toMatch(/retention/);
    expect(window.notes[1]).toMatch(/in flight/);
  });

  it('keeps a range inside both limits as given', () => {
    const since = at('2026-12-02T08:00:00.000Z');
    const until = at('2026-12-02T10:00:00.000Z');
    const window = auditWindow({ since, until, now, settleMs: 0, retentionMs: 24 * HOUR });
    expect([window.from, window.to]).toEqual([since, until]);
  });

  it('refuses a range that is empty once limited', () => {
    expect(() =>
      auditWindow({
        since: at('2026-12-02T12:28:00.000Z'),
        now,
        settleMs: 5 * 60_000,
        retentionMs: 24 * HOUR,
      }),
    ).toThrow(AuditInputError);
  });
});

describe('differingBuckets', () => {
  const bucket = (
    hour: string,
    events: number,
    idHash: string,
    eventType = 'user_created',
  ): BucketSummary => ({
    hour,
    eventType,
    hashPrefix: '',
    events,
    idHash,
  });

  it('names buckets whose count or id hash differ, or that only one side has', () => {
    const committed = [
      bucket('h1', 3, 'a'),
      bucket('h2', 3, 'b'),
      bucket('h3', 3, 'c'),
      bucket('h4', 1, 'd'),
    ];
    const stored = [bucket('h1', 3, 'a'), bucket('h2', 2, 'x'), bucket('h3', 3, 'y'), bucket('h5', 1, 'e')];
    expect(differingBuckets(committed, stored).map((d) => [d.key.hour, d.committed, d.stored])).toEqual([
      ['h2', 3, 2],
      ['h3', 3, 3], // the same count, but one event swapped for another
      ['h4', 1, 0],
      ['h5', 0, 1],
    ]);
  });

  it('tells event types apart within an hour', () => {
    const committed = [bucket('h1', 1, 'a', 'user_created'), bucket('h1', 1, 'b', 'user_updated')];
    const stored = [bucket('h1', 1, 'a', 'user_created')];
    expect(differingBuckets(committed, stored).map((d) => d.key.eventType)).toEqual(['user_updated']);
  });
});

describe('hashPrefixLength', () => {
  it('splits a bucket into parts of at most about the list limit, up to 4 hex digits', () => {
    expect(hashPrefixLength(5000, 5000)).toBe(0);
    expect(hashPrefixLength(50_000, 5000)).toBe(1);
    expect(hashPrefixLength(1_000_000, 5000)).toBe(2);
    expect(hashPrefixLength(1e12, 5000)).toBe(4);
  });
});

describe('differingEvents', () => {
  it('lists what only one side has', () => {
    const found = differingEvents(
      [
        { eventId: 'a', status: 'processed' },
        { eventId: 'b', status: 'pending' },
      ],
      ['a', 'c', 'c'],
    );
    expect(found).toEqual({ missing: [{ eventId: 'b', status: 'pending' }], extra: ['c'] });
  });
});

/** Both sides in memory, summed up the way the adapters' SQL does (md5 of the id). */
interface MemoryEvent {
  eventId: string;
  eventType: string;
  time: number;
  status: OutboxStatus;
}
const digest = (id: string) => createHash('md5').update(id).digest('hex');
const inRange = (e: MemoryEvent, range: AuditRange) =>
  e.time >= range.from.getTime() &&
  e.time < range.to.getTime() &&
  (range.eventType ?? e.eventType) === e.eventType;

function summaries(events: MemoryEvent[], range: AuditRange, digits: number) {
  const buckets = new Map<
    string,
    { hour: string; eventType: string; hashPrefix: string; ids: Set<string>; rows: number }
  >();
  for (const e of events.filter((e) => inRange(e, range))) {
    const hour = new Date(Math.floor(e.time / HOUR) * HOUR).toISOString();
    const hashPrefix = digest(e.eventId).slice(0, digits);
    const key = `${hour} ${e.eventType} ${hashPrefix}`;
    const b = buckets.get(key) ?? { hour, eventType: e.eventType, hashPrefix, ids: new Set(), rows: 0 };
    b.ids.add(e.eventId);
    b.rows += 1;
    buckets.set(key, b);
  }
  return [...buckets.values()].map((b) => ({
    hour: b.hour,
    eventType: b.eventType,
    hashPrefix: b.hashPrefix,
    events: b.ids.size,
    rows: b.rows,
    idHash: [...b.ids].reduce((x, id) => x ^ BigInt(`0x${digest(id).slice(0, 15)}`), 0n).toString(),
  }));
}

function memorySides(committed: MemoryEvent[], stored: MemoryEvent[]) {
  const listed = { committed: 0, stored: 0 };
  const republished: string[] = [];
  const committedSide: CommittedEvents = {
    summaries: async (range, digits) => summaries(committed, range, digits),
    events: async (range, prefix) => {
      const found = committed.filter((e) => inRange(e, range) && digest(e.eventId).startsWith(prefix));
      listed.committed += found.length;
      return found.map((e) => ({ eventId: e.eventId, status: e.status }));
    },
    republish: async (ids, _publishedBefore) => {
      republished.push(...ids);
      return ids.map((_, i) => String(i + 1));
    },
  };
  const storedSide: StoredEvents = {
    summaries: async (range, digits) => summaries(stored, range, digits),
    eventIds: async (range, prefix) => {
      const found = [
        ...new Set(
          stored
            .filter((e) => inRange(e, range) && digest(e.eventId).startsWith(prefix))
            .map((e) => e.eventId),
        ),
      ];
      listed.stored += found.length;
      return found;
    },
  };
  return { committedSide, storedSide, listed, republished };
}

describe('createAudit', () => {
  const start = Date.parse('2026-12-02T00:00:00.000Z');
  const window = { from: new Date(start), to: new Date(start + 3 * HOUR), notes: [] };
  const events = (n: number, eventType = 'user_created'): MemoryEvent[] =>
    Array.from({ length: n }, (_, i) => ({
      eventId: randomUUID(),
      eventType,
      time: start + Math.floor((i / n) * 3 * HOUR),
      status: 'processed',
    }));

  it('finds nothing when both sides hold the same events, duplicates awaiting merge aside', async () => {
    const committed = [...events(300), ...events(60, 'user_updated')];
    const sides = memorySides(committed, [...committed, committed[5]!]);
    const report = await createAudit({ committed: sides.committedSide, stored: sides.storedSide }).run(
      window,
    );
    expect(report).toMatchObject({ committed: 360, stored: 360, duplicateRowsAwaitingMerge: 1, buckets: 6 });
    expect(report.differingBuckets).toEqual([]);
    expect(sides.listed).toEqual({ committed: 0, stored: 0 });
    expect(describeAudit(report).matches).toBe(true);
  });

  it('names exactly the missing and extra events, listing only small parts of a large bucket', async () => {
    const committed = events(30_000);
    committed[10]!.status = 'pending';
    const lost = [committed[10]!, committed[20_000]!, committed[20_001]!];
    const extra: MemoryEvent = {
      eventId: randomUUID(),
      eventType: 'user_created',
      time: start + 10,
      status: 'processed',
    };
    const sides = memorySides(committed, [...committed.filter((e) => !lost.includes(e)), extra]);
    const audit = createAudit({ committed: sides.committedSide, stored: sides.storedSide, listLimit: 1000 });

    const report = await audit.run(window);

    expect(report.missing.map((e) => e.eventId).sort()).toEqual(lost.map((e) => e.eventId).sort());
    expect(report.missing.find((e) => e.eventId === lost[0]!.eventId)?.status).toBe('pending');
    expect(report.extra.map((e) => e.eventId)).toEqual([extra.eventId]);
    // 10,000 events an hour: split into 16 parts, only those holding a difference are listed
    expect(sides.listed.committed).toBeLessThan(4 * 1000);
    const described = describeAudit(report);
    expect(described).toMatchObject({
      matches: false,
      missing: { total: 3, processed: 2, pending: 1, failed: 0 },
    });
    expect(described.extra.total).toBe(1);

    // Repair publishes again only what was published and not stored; the pending one is on its way.
    await audit.repair(report, new Date());
    expect(sides.republished.sort()).toEqual([lost[1]!.eventId, lost[2]!.eventId].sort());
  });
});
