import { PoisonMessageError } from '../src/domain/errors.js';
import { toEventRow } from '../src/domain/event-row.js';
import { dedupToken, PartitionBatch } from '../src/domain/partition-batch.js';
import { SinkCore } from '../src/domain/sink-core.js';

describe('PartitionBatch', () => {
  it('is due at batch size or when the oldest message has waited the flush interval', () => {
    const batch = new PartitionBatch<string>('t', 0, 3, 1000);
    batch.add('10', 'a', 0);
    batch.add('11', 'b', 500);
    expect(batch.isDue(999)).toBe(false);
    expect(batch.isDue(1000)).toBe(true);
    batch.add('12', 'c', 600);
    expect(batch.isDue(601)).toBe(true);
  });

  it('hands out the same front batch until it is removed (a retry inserts the same range)', () => {
    const batch = new PartitionBatch<string>('t', 0, 2, 1000);
    ['5', '6', '7'].forEach((offset) => batch.add(offset, `m${offset}`, 0));
    expect(batch.peek()).toEqual({ items: ['m5', 'm6'], firstOffset: 5n, lastOffset: 6n });
    expect(batch.peek()).toEqual({ items: ['m5', 'm6'], firstOffset: 5n, lastOffset: 6n });
    batch.removeFront(2, 0);
    expect(batch.peek()).toEqual({ items: ['m7'], firstOffset: 7n, lastOffset: 7n });
  });

  it('names a batch by topic, topic id, partition and offset range', () => {
    const source = { topic: 'user-events', topicId: '5b1f0c1e-8d2a-4c1b-9a57-0e6f4f2b8c11' };
    expect(dedupToken(source, 2, 1000n, 1999n)).toBe(
      'user-events-5b1f0c1e-8d2a-4c1b-9a57-0e6f4f2b8c11-2-1000-1999',
    );
    // The same range of a re-created topic is another batch: ClickHouse must not drop it.
    const recreated = { ...source, topicId: '0d3c2b1a-1111-4222-8333-944455556666' };
    expect(dedupToken(recreated, 2, 1000n, 1999n)).not.toBe(dedupToken(source, 2, 1000n, 1999n));
  });
});

describe('toEventRow', () => {
  const record = {
    event_id: '0190F5E2-0000-7000-8000-000000000001',
    event_type: 'user_updated',
    event_time: Date.parse('2026-02-03T04:05:06.789Z'),
    environment: 'production',
    aggregate_type: 'user',
    aggregate_id: 'u1',
    metadata_version: 1,
    actor: 'alice',
    user_id: 'u1',
    version: 2,
    changes: { email: null, name: { from: 'A', to: 'B' } },
  };

  it('puts the envelope in columns, the rest in payload, and the Kafka position alongside', () => {
    const topicId = '5b1f0c1e-8d2a-4c1b-9a57-0e6f4f2b8c11';
    expect(toEventRow(record, { topic: 'user-events', topicId, partition: 1, offset: '42' })).toEqual({
      event_id: '0190f5e2-0000-7000-8000-000000000001',
      event_type: 'user_updated',
      event_time: '2026-02-03 04:05:06.789',
      environment: 'production',
      aggregate_type: 'user',
      aggregate_id: 'u1',
      metadata_version: 1,
      actor: 'alice',
      payload: '{"user_id":"u1","version":2,"changes":{"email":null,"name":{"from":"A","to":"B"}}}',
      kafka_topic: 'user-events',
      kafka_topic_id: topicId,
      kafka_partition: 1,
      kafka_offset: '42',
    });
  });

  const TIME_RANGE = 'event_time must be between 1900-01-01 and 2299-12-31 (UTC)';
  it.each([
    ['no event id', { ...record, event_id: undefined }, 'event_id must be a non-empty string'],
    ['a bad event id', { ...record, event_id: 'x' }, 'event_id must be a UUID'],
    ['no time', { ...record, event_time: 'soon' }, 'event_time must be a timestamp'],
    // Beyond what a JavaScript Date holds (8.64e15 ms): new Date(ms).toISOString() throws a RangeError.
    ['a time past the Date range', { ...record, event_time: 9e15 }, TIME_RANGE],
    ['a time before it', { ...record, event_time: -9e15 }, TIME_RANGE],
    // Inside the Date range but outside ClickHouse's DateTime64 (1900-01-01 to 2299-12-31).
    ['a time in the year 2300', { ...record, event_time: Date.parse('2300-01-01T00:00:00Z') }, TIME_RANGE],
    ['a time in 1899', { ...record, event_time: Date.parse('1899-12-31T23:59:59.999Z') }, TIME_RANGE],
    ['a bad version', { ...record, metadata_version: -1 }, 'metadata_version must be a whole number 0-65535'],
  ])('refuses %s as unmappable', (_what, bad, reason) => {
    expect(() =>
      toEventRow(bad, {
        topic: 't',
        topicId: '5b1f0c1e-8d2a-4c1b-9a57-0e6f4f2b8c11',
        partition: 0,
        offset: '0',
      }),
    ).toThrow(new PoisonMessageError('UNMAPPABLE', reason));
  });

  it('takes the first and the last millisecond DateTime64 holds', () => {
    const position = {
      topic: 't',
      topicId: '5b1f0c1e-8d2a-4c1b-9a57-0e6f4f2b8c11',
      partition: 0,
      offset: '0',
    };
    const at = (iso: string) => toEventRow({ ...record, event_time: Date.parse(iso) }, position).event_time;
    expect(at('1900-01-01T00:00:00.000Z')).toBe('1900-01-01 00:00:00.000');
    expect(at('2299-12-31T23:59:59.999Z')).toBe('2299-12-31 23:59:59.999');
  });
});

describe('SinkCore', () => {
  type Item = { id: string; month: string | null };
  const core = () =>
    new SinkCore<Item>(
      { batchSize: 4, flushIntervalMs: 1000, rejectionsBeforeSplit: 2 },
      (item) => item.month,
    );
  const items = (months: (string | null)[]) => months.map((month, i) => ({ id: `m${i}`, month }));
  function loaded(months: (string | null)[]) {
    const sink = core();
    const generation = sink.assign([0]);
    sink.restore(generation, 'topic-id', new Map());
    items(months).forEach((item, offset) => sink.add(generation, 0, BigInt(offset), item, 0));
    return { sink, generation };
  }

  it('cuts a batch where the month changes: one insert, one ClickHouse partition', () => {
    const { sink } = loaded(['2026-11', null, '2026-11', '2026-12']);
    const first = sink.takeInsert(0, 0, true)!;
    expect([first.firstOffset, first.lastOffset]).toEqual([0n, 2n]); // the dead-lettered one rides along
    expect(sink.takeInsert(0, 0, true)).toBeUndefined(); // one job out per partition
    sink.inserted(first, 0);
    const second = sink.takeInsert(0, 0, true)!;
    expect([second.firstOffset, second.lastOffset]).toEqual([3n, 3n]);
    expect(sink.commitsDue('t')).toEqual([{ topic: 't', partition: 0, offset: '3' }]);
  });

  it('splits a batch ClickHouse keeps refusing, down to the one message to dead-letter', () => {
    const { sink } = loaded(['2026-12', '2026-12', '2026-12', '2026-12']);
    let job = sink.takeInsert(0, 0, true)!;
    expect(sink.insertFailed(job, false)).toBe('retry'); // not about the data: retried without end
    expect(sink.insertFailed(job, true)).toBe('retry');
    expect(sink.insertFailed(job, true)).toBe('split');
    job = sink.takeInsert(0, 0, true)!;
    expect(job.items.map((i) => i.id)).toEqual(['m0', 'm1']);
    sink.inserted(job, 0); // the first half goes in; the refused row is in the second
    job = sink.takeInsert(0, 0, true)!;
    expect(job.items.map((i) => i.id)).toEqual(['m2', 'm3']); // halves until offset 3 is stored
    sink.insertFailed(job, true);
    expect(sink.insertFailed(job, true)).toBe('split');
    job = sink.takeInsert(0, 0, true)!;
    expect(job.items.map((i) => i.id)).toEqual(['m2']);
    sink.insertFailed(job, true);
    expect(sink.insertFailed(job, true)).toBe('dead-letter');
    expect(sink.inserted(job, 0)).toBe(true);
    expect(sink.commitsDue('t')).toEqual([{ topic: 't', partition: 0, offset: '3' }]);
  });

  it('drops everything of an older assignment: late loads, messages and inserts', () => {
    const { sink, generation } = loaded(['2026-12', '2026-12']);
    const job = sink.takeInsert(0, 0, true)!;
    const next = sink.assign([0, 1]);
    expect(sink.restore(generation, 'topic-id', new Map([[0, 5n]]))).toBe(false);
    expect(sink.wants(next, 0, 0n)).toBe(false); // not restored yet
    sink.restore(next, 'topic-id', new Map());
    sink.add(generation, 0, 0n, { id: 'late', month: '2026-12' }, 0);
    expect(sink.buffered(0)).toBe(0);
    expect(sink.inserted(job, 0)).toBe(false);
    expect(sink.insertFailed(job, true)).toBe('stale');
    expect(sink.commitsDue('t')).toEqual([]);
  });
});
