import path from 'node:path';
import type * as TraceWaterfall from '../../infra/ops/trace-waterfall.js';

// `./platform trace`'s waterfall (infra/ops/trace-waterfall.js) on a trace shaped as Jaeger's
// query API returns it; the e2e tracing test draws a real one.
const modulePath = path.resolve(import.meta.dirname, '../../infra/ops/trace-waterfall.js');
const { latestTrace, traceWaterfall } = (await import(modulePath)) as typeof TraceWaterfall;

const child = (spanID: string) => [{ refType: 'CHILD_OF', traceID: 't', spanID }];
const trace = {
  traceID: 'abc',
  processes: { p1: { serviceName: 'user-api' }, p2: { serviceName: 'outbox-publisher' } },
  spans: [
    // Out of order, as Jaeger may list them; times in microseconds.
    {
      spanID: 's',
      operationName: 'send events',
      processID: 'p2',
      startTime: 1_050_000,
      duration: 50_000,
      references: child('a'),
    },
    {
      spanID: 'a',
      operationName: 'POST /users',
      processID: 'p1',
      startTime: 1_000_000,
      duration: 20_000,
      references: child('caller'),
    },
    {
      spanID: 'i',
      operationName: 'pg.query:INSERT',
      processID: 'p1',
      startTime: 1_005_000,
      duration: 5_000,
      references: child('a'),
    },
  ],
};

test('spans are drawn in tree order, indented, with offsets, durations and bars on one scale', () => {
  const lines = traceWaterfall(trace).split('\n');
  expect(lines[0]).toBe('trace abc: 3 spans, 2 services, 100.0 ms');
  expect(lines.slice(3)).toEqual([
    `      0.0      20.0  user-api          POST /users        |${'█'.repeat(8).padEnd(40)}|`,
    `      5.0       5.0  user-api            pg.query:INSERT  |${`${' '.repeat(2)}${'█'.repeat(2)}`.padEnd(40)}|`,
    `     50.0      50.0  outbox-publisher    send events      |${`${' '.repeat(20)}${'█'.repeat(20)}`}|`,
  ]);
});

test('the latest of several traces is the one that started last; an empty trace says so', () => {
  const later = {
    ...trace,
    traceID: 'later',
    spans: trace.spans.map((s) => ({ ...s, startTime: s.startTime + 1 })),
  };
  expect(latestTrace([trace, later, { ...trace, traceID: 'empty', spans: [] }])?.traceID).toBe('later');
  expect(traceWaterfall({ traceID: 'none', processes: {}, spans: [] })).toBe('trace none: no spans');
});
