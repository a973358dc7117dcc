import { jest } from '@jest/globals';
import type { KafkaMessage } from 'kafkajs';
import { Registry } from '@platform/observability';
import { memoryLogger } from '@platform/testing';
import type { DeadLetterQueue } from '../src/adapters/kafka/dead-letters.js';
import { createDeadLetterStep } from '../src/dead-letter-step.js';
import { createCommitScheduler } from '../src/domain/commit-scheduler.js';
import { PoisonMessageError } from '../src/domain/errors.js';
import { PartitionPositions } from '../src/domain/partition-positions.js';
import { createPartitionQueue } from '../src/domain/partition-queue.js';
import { retryUntilDone, type RetryHooks } from '../src/domain/retry-policy.js';
import { createSinkMetrics } from '../src/metrics.js';
import { startMessageSpan } from '../src/sink-tracing.js';

describe('PartitionPositions', () => {
  it('commits only what is stored, once, and only for assigned partitions', () => {
    const positions = new PartitionPositions();
    positions.reassign([0, 1]);
    expect(positions.toCommit('t')).toEqual([]);
    positions.markStored(0, 41n);
    positions.markStored(5, 9n); // not ours (any more)
    expect(positions.toCommit('t')).toEqual([{ topic: 't', partition: 0, offset: '42' }]);
    positions.markCommitted(positions.toCommit('t'));
    expect(positions.toCommit('t')).toEqual([]);
    positions.markStored(0, 50n);
    expect(positions.toCommit('t')).toEqual([{ topic: 't', partition: 0, offset: '51' }]);
  });

  it('skips what ClickHouse already holds after an assignment, never moving a position back', () => {
    const positions = new PartitionPositions();
    positions.reassign([0, 1]);
    positions.markStored(1, 70n);
    positions.restore(
      new Map([
        [0, 10n],
        [1, 60n],
        [2, 99n],
      ]),
    );
    expect([positions.isStored(0, 10n), positions.isStored(0, 11n)]).toEqual([true, false]);
    expect(positions.isStored(1, 70n)).toBe(true);
    expect(positions.isStored(2, 0n)).toBe(false); // not assigned
  });

  it('forgets everything on a new assignment', () => {
    const positions = new PartitionPositions();
    positions.reassign([0]);
    positions.markStored(0, 5n);
    positions.reassign([0, 3]);
    expect(positions.partitions).toEqual([0, 3]);
    expect(positions.isStored(0, 5n)).toBe(false);
    expect(positions.toCommit('t')).toEqual([]);
  });
});

describe('retryUntilDone', () => {
  const backoff = { initialMs: 100, maxMs: 1000 };
  function hooks(alive = () => true) {
    const calls: string[] = [];
    const waits: number[] = [];
    const retryHooks: RetryHooks = {
      alive,
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
      wait: async (ms) => {
        waits.push(ms);
      },
      onRetry: (attempt) => calls.push(`retry ${attempt}`),
    };
    return { calls, waits, retryHooks };
  }

  it('retries a failing step with backoff, paused from the first failure until it succeeds', async () => {
    const { calls, waits, retryHooks } = hooks();
    let attempts = 0;
    const result = await retryUntilDone(
      async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('ClickHouse is down');
        return 'stored';
      },
      backoff,
      retryHooks,
    );
    expect(result).toBe('stored');
    expect(calls).toEqual(['retry 1', 'pause', 'retry 2', 'resume']);
    expect(waits).toHaveLength(2);
    expect(waits.every((ms) => ms >= 50 && ms <= 1000)).toBe(true);
  });

  it('does not pause or resume when the first attempt succeeds', async () => {
    const { calls, retryHooks } = hooks();
    await retryUntilDone(async () => 1, backoff, retryHooks);
    expect(calls).toEqual([]);
  });

  it('never retries a poison message', async () => {
    const { calls, retryHooks } = hooks();
    const poison = new PoisonMessageError('UNDECODABLE', 'not Avro');
    await expect(retryUntilDone(() => Promise.reject(poison), backoff, retryHooks)).rejects.toBe(poison);
    expect(calls).toEqual([]);
  });

  it('resumes the partition it paused when a poison error ends the retries (a registry back with a 404)', async () => {
    const { calls, retryHooks } = hooks();
    let attempts = 0;
    const poison = new PoisonMessageError('UNKNOWN_SCHEMA_ID', 'schema id 9 is not in the registry');
    const retried = retryUntilDone(
      async () => {
        attempts += 1;
        throw attempts === 1 ? new Error('registry unreachable') : poison;
      },
      backoff,
      retryHooks,
    );
    await expect(retried).rejects.toBe(poison);
    expect(calls).toEqual(['retry 1', 'pause', 'resume']);
  });

  it('passes on at once a failure the caller names final, resuming what it paused', async () => {
    const { calls, retryHooks } = hooks();
    const final = new Error('split');
    let attempts = 0;
    const retried = retryUntilDone(
      async () => {
        attempts += 1;
        throw attempts === 1 ? new Error('refused') : final;
      },
      backoff,
      { ...retryHooks, final: (error) => error === final },
    );
    await expect(retried).rejects.toBe(final);
    expect(attempts).toBe(2);
    expect(calls).toEqual(['retry 1', 'pause', 'resume']);
  });

  it('gives up once the work is no longer ours', async () => {
    let alive = true;
    const { retryHooks } = hooks(() => alive);
    let attempts = 0;
    const failure = new Error('still down');
    const retried = retryUntilDone(
      async () => {
        attempts += 1;
        if (attempts === 2) alive = false; // the partition was taken away meanwhile
        throw failure;
      },
      backoff,
      retryHooks,
    );
    await expect(retried).rejects.toBe(failure);
    expect(attempts).toBe(2);
  });
});

describe('createPartitionQueue', () => {
  it("runs one partition's work in order, one at a time, past a failure; partitions in parallel", async () => {
    const queue = createPartitionQueue();
    const events: string[] = [];
    let release!: () => void;
    const first = queue.run(0, async () => {
      events.push('0a start');
      await new Promise<void>((resolve) => (release = resolve));
      events.push('0a end');
      throw new Error('insert failed');
    });
    const second = queue.run(0, async () => events.push('0b'));
    await queue.run(1, async () => events.push('1a'));
    expect(events).toEqual(['0a start', '1a']);
    release();
    await expect(first).rejects.toThrow('insert failed');
    await second;
    expect(events).toEqual(['0a start', '1a', '0a end', '0b']);
  });
});

describe('createCommitScheduler', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('commits every interval, never two at once, and reports a failure to retry at the next tick', async () => {
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    let finish!: () => void;
    const errors: unknown[] = [];
    const scheduler = createCommitScheduler({
      intervalMs: 100,
      commit: async () => {
        calls += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        if (calls === 1) await new Promise<void>((resolve) => (finish = resolve)); // slower than the interval
        inFlight -= 1;
        if (calls === 2) throw new Error('coordinator moved');
      },
      onError: (error) => errors.push(error),
    });
    scheduler.start();
    await jest.advanceTimersByTimeAsync(350);
    expect(calls).toBe(1); // the ticks during the slow commit did not start another
    finish();
    await jest.advanceTimersByTimeAsync(100);
    await jest.advanceTimersByTimeAsync(100);
    expect(calls).toBe(3);
    expect(most).toBe(1);
    expect(errors).toHaveLength(1);
    await scheduler.stop();
    await jest.advanceTimersByTimeAsync(500);
    expect(calls).toBe(3); // stopped
  });

  it('waits on stop for the commit in flight', async () => {
    let done = false;
    let finish!: () => void;
    const scheduler = createCommitScheduler({
      intervalMs: 100,
      commit: async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        done = true;
      },
      onError: () => undefined,
    });
    scheduler.start();
    await jest.advanceTimersByTimeAsync(100);
    const stopped = scheduler.stop();
    finish();
    await stopped;
    expect(done).toBe(true);
  });
});

describe('createDeadLetterStep', () => {
  const message: KafkaMessage = {
    key: Buffer.from('k'),
    value: Buffer.from('not avro'),
    offset: '7',
    timestamp: '0',
    attributes: 0,
    headers: {},
  };
  const position = { topic: 'user-events', topicId: 'id', partition: 2, offset: '7' };

  it("sends through the partition's retry, then counts the reason and logs it", async () => {
    const sent: string[] = [];
    let failures = 1;
    const deadLetters: DeadLetterQueue = {
      topic: 'user-events.dlq',
      send: async (m, source, error) => {
        if (failures-- > 0) throw new Error('broker unavailable');
        sent.push(`${source.partition}:${m.offset}:${error.code}`);
      },
      close: async () => undefined,
    };
    const registry = new Registry();
    const { logger, lines } = memoryLogger();
    const step = createDeadLetterStep({ deadLetters, metrics: createSinkMetrics(registry), logger });
    let attempts = 0;
    const retry = async (work: () => Promise<void>) => {
      for (;;) {
        attempts += 1;
        try {
          return await work();
        } catch {
          // retried, as the partition's retry policy does
        }
      }
    };
    const trace = startMessageSpan(message, position, 'group');
    await step(message, position, new PoisonMessageError('UNDECODABLE', 'not Avro'), trace, retry);

    expect(attempts).toBe(2);
    expect(sent).toEqual(['2:7:UNDECODABLE']);
    expect(await registry.metrics()).toMatch(/code="UNDECODABLE"} 1/);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'message dead-lettered', code: 'UNDECODABLE' }),
    );
  });
});
