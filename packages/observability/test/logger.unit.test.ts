import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from '../src/index.js';

function capture(level: 'info' | 'debug' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'svc', version: '1.2.3', level, stream }), lines };
}

describe('createLogger', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });

  afterAll(() => {
    context.disable();
  });

  it('writes one JSON object per line with service, version, level, timestamp and fields', () => {
    const { logger, lines } = capture();
    logger.child({ component: 'relay' }).info('batch published', { count: 3 });
    expect(lines).toEqual([
      {
        level: 'info',
        message: 'batch published',
        service: 'svc',
        version: '1.2.3',
        component: 'relay',
        count: 3,
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
  });

  it('adds trace_id and span_id while a span is active, and not outside it', async () => {
    const { logger, lines } = capture();
    const span = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    await context.with(trace.setSpan(context.active(), span), async () => {
      await Promise.resolve();
      logger.info('inside');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
    });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('drops lines below the configured level', () => {
    const { logger, lines } = capture('info');
    logger.debug('noise');
    logger.warn('kept');
    expect(lines.map((line) => line.message)).toEqual(['kept']);
  });
});
