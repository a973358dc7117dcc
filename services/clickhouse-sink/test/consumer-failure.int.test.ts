import { createSchemaRegistry } from '@platform/kafka';
import { uniqueName } from '@platform/testing';
import { createEventStore } from '../src/adapters/clickhouse/event-store.js';
import { createAvroDecoder, type EventDecoder } from '../src/adapters/registry/avro-decoder.js';
import { createTopic, produceEvents, userCreated } from './support/event-producer.js';
import { engineTarget, sinkOver, useEmbeddedEngine } from './support/in-process-sink.js';
import { waitFor } from './support/sink-process.js';

// A consumer that kafkajs stops for good (an error it does not retry: a bug of ours, or of a
// library, on one message) while the process lives on must not pass for healthy: the sink
// reports it and asks to be restarted (main exits with code 1 through runService).
describe('the sink when its Kafka consumer stops for good (real Kafka, registry, ClickHouse engine)', () => {
  const engine = useEmbeddedEngine('sink-consumer-failure');

  it('reports failing health with the reason and calls onFailure once; healthy before that', async () => {
    const topic = uniqueName('consumer-failure');
    await createTopic(topic, 1);
    const events = [userCreated(), userCreated(), userCreated()];
    const broken = events[2]!.event_id;
    await produceEvents(topic, events);

    const real = createAvroDecoder(createSchemaRegistry({ url: process.env.SCHEMA_REGISTRY_URL! }));
    // The injected fault: the third event decodes into a record that throws when it is read, as
    // an unforeseen bug would (a TypeError is neither poison nor retriable).
    const decoder: EventDecoder = {
      async decode(value) {
        const record = await real.decode(value);
        if (record.event_id !== broken) return record;
        return new Proxy(record, {
          get(target, field, receiver) {
            if (field === 'event_time') throw new TypeError('injected: a bug reading event_time');
            return Reflect.get(target, field, receiver) as unknown;
          },
        });
      },
    };
    const failures: string[] = [];
    const { sink, lines } = sinkOver(
      createEventStore(engine.writer(), engine.reader(), engineTarget),
      {
        topic,
        groupId: uniqueName('consumer-failure-group'),
        batchSize: 1000,
        flushIntervalMs: 200,
        commitIntervalMs: 200,
        backoff: { initialMs: 100, maxMs: 1000 },
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 1000,
        fetchMaxWaitMs: 500,
      },
      { decoder, onFailure: (reason) => failures.push(reason) },
    );
    expect(sink.health()).toEqual({ status: 'ok' });
    await sink.start();
    try {
      await waitFor('the consumer to stop for good', async () => sink.health().status === 'failing', 60_000);
      expect(sink.health()).toEqual({
        status: 'failing',
        reason: 'the Kafka consumer crashed: injected: a bug reading event_time',
      });
      expect(failures).toEqual(['the Kafka consumer crashed']);
      expect(lines.filter((l) => l.message === 'consumer stopped for good')).toHaveLength(1);
    } finally {
      await sink.stop();
    }
    // Stopping afterwards is clean and reports nothing more.
    expect(failures).toHaveLength(1);
  });
});
