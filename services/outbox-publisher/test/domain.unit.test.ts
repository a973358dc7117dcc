import { planBatch } from '../src/domain/batch-plan.js';
import { toEventRecord } from '../src/domain/event-record.js';
import { planLanes, splitLanes } from '../src/domain/lanes.js';
import { PoisonRowError, type OutboxRow } from '../src/domain/outbox-row.js';
import { createWakeup } from '../src/domain/wakeup.js';

const row = (
  id: number,
  aggregateId: string,
  eventContext: unknown = {},
  eventType = 'user_created',
): OutboxRow => ({
  id: String(id),
  eventId: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
  eventType,
  eventDateTime: new Date('2026-11-22T10:00:00Z'),
  environment: 'test',
  eventContext,
  metadataVersion: 1,
  aggregateType: 'user',
  aggregateId,
  actor: null,
  traceparent: null,
  tracestate: null,
});

describe('planBatch', () => {
  const encode = async (r: OutboxRow) => {
    if ((r.eventContext as { poison?: boolean }).poison) throw new PoisonRowError(`row ${r.id} is poison`);
    return `msg-${r.id}`;
  };

  it('fails a poison row alone, holds back the later rows of its aggregate, keeps the others in order', async () => {
    const rows = [row(1, 'a', { poison: true }), row(2, 'b'), row(3, 'a'), row(4, 'b'), row(5, 'c')];
    const plan = await planBatch(rows, encode);
    expect(plan.publish.map((p) => p.message)).toEqual(['msg-2', 'msg-4', 'msg-5']);
    expect(plan.failed).toEqual([{ row: rows[0], reason: 'row 1 is poison' }]);
    expect(plan.held.map((r) => r.id)).toEqual(['3']);
  });

  it('lets any other error through: the whole batch is retried', async () => {
    const unavailable = async () => {
      throw new Error('registry unreachable');
    };
    await expect(planBatch([row(1, 'a')], unavailable)).rejects.toThrow('registry unreachable');
  });
});

describe('planLanes', () => {
  it('takes a fair share and gives up the excess when instances join', () => {
    expect(planLanes({ held: [], total: 16, live: 1 })).toEqual({ release: [], want: 16 });
    expect(
      planLanes({ held: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], total: 16, live: 3 }),
    ).toEqual({
      release: [15, 14, 13, 12, 11, 10, 9, 8, 7, 6],
      want: 0,
    });
    expect(planLanes({ held: [1, 2], total: 16, live: 3 })).toEqual({ release: [], want: 4 });
  });
});

describe('splitLanes', () => {
  it('deals the held lanes out so each is in exactly one group, the groups even', () => {
    expect(splitLanes([9, 1, 4, 3, 12], 2)).toEqual([
      [1, 4, 12],
      [3, 9],
    ]);
    const groups = splitLanes([...Array(16).keys()], 3);
    expect(groups.map((g) => g.length)).toEqual([6, 5, 5]);
    expect(groups.flat().sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
  });

  it('leaves groups empty when there are fewer lanes than groups, and one group takes all', () => {
    expect(splitLanes([5], 3)).toEqual([[5], [], []]);
    expect(splitLanes([], 2)).toEqual([[], []]);
    expect(splitLanes([2, 0], 1)).toEqual([[0, 2]]);
  });
});

describe('toEventRecord', () => {
  it('maps the envelope from the columns and the payload from event_context', () => {
    const updated = row(
      7,
      'u1',
      { user_id: 'u1', version: 3, changes: { name: { from: 'A', to: 'B' } } },
      'user_updated',
    );
    expect(toEventRecord(updated)).toEqual({
      event_id: updated.eventId,
      event_type: 'user_updated',
      event_time: Date.parse('2026-11-22T10:00:00Z'),
      environment: 'test',
      aggregate_type: 'user',
      aggregate_id: 'u1',
      metadata_version: 1,
      actor: null,
      user_id: 'u1',
      version: 3,
      changes: { email: null, name: { from: 'A', to: 'B' } },
    });
  });

  it('maps the second aggregate type, an order, the same way', () => {
    const placed = {
      ...row(
        8,
        'o1',
        { order_id: 'o1', user_id: 'u1', total_cents: 12_345, currency: 'EUR' },
        'order_placed',
      ),
      aggregateType: 'order',
    };
    expect(toEventRecord(placed)).toMatchObject({
      event_type: 'order_placed',
      aggregate_type: 'order',
      aggregate_id: 'o1',
      order_id: 'o1',
      user_id: 'u1',
      total_cents: 12_345,
      currency: 'EUR',
    });
    const fractional = { ...placed, eventContext: { ...(placed.eventContext as object), total_cents: 1.5 } };
    expect(() => toEventRecord(fractional)).toThrow(
      new PoisonRowError('event_context.total_cents must be a whole number'),
    );
  });

  it.each([
    [
      'a missing field',
      row(1, 'u', { user_id: 'u', name: 'N', version: 1 }),
      'event_context.email must be a string',
    ],
    [
      'a wrong type',
      row(1, 'u', { user_id: 'u', email: 'e', name: 'N', version: '1' }),
      'event_context.version must be an integer',
    ],
    ['a non-object context', row(1, 'u', [1, 2]), 'event_context must be a JSON object'],
    ['an unknown event type', row(1, 'u', {}, 'user_renamed'), 'unknown event_type "user_renamed"'],
  ])('refuses %s as poison', (_what, bad, reason) => {
    expect(() => toEventRecord(bad)).toThrow(new PoisonRowError(reason));
  });
});

describe('wakeup', () => {
  it('keeps a signal that arrived while nobody waited', async () => {
    const wakeup = createWakeup();
    wakeup.notify();
    await wakeup.wait(60_000); // returns at once, or the test times out
    wakeup.reset();
    const waiting = wakeup.wait(60_000);
    wakeup.notify();
    await waiting;
  });
});
