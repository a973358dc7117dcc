import path from 'node:path';
import { parsePrometheusText } from '@platform/testing';
import type * as TopFrame from '../../infra/ops/top-frame.js';

// `./platform top`'s frame (infra/ops/top-frame.js) from two scrapes 2 s apart, in the services'
// own exposition format: every figure shown is the one the metrics give.
const modulePath = path.resolve(import.meta.dirname, '../../infra/ops/top-frame.js');
const { quantileBetween, topFrame } = (await import(modulePath)) as typeof TopFrame;

const histogram = (name: string, labels: string, buckets: [string, number][]) =>
  buckets
    .map(([le, count]) => `${name}_bucket{${labels}${labels ? ',' : ''}le="${le}"} ${count}`)
    .join('\n') + `\n${name}_count{${labels}} ${buckets.at(-1)?.[1] ?? 0}`;

const api = (ok: number, errors: number, refused: number, fast: number) =>
  parsePrometheusText(
    [
      histogram('http_server_request_duration_seconds', 'method="POST",route="/users",status_code="201"', [
        ['0.01', fast],
        ['0.1', ok],
        ['+Inf', ok],
      ]),
      histogram('http_server_request_duration_seconds', 'method="POST",route="/users",status_code="503"', [
        ['0.01', errors],
        ['0.1', errors],
        ['+Inf', errors],
      ]),
      histogram('http_server_request_duration_seconds', 'method="POST",route="/users",status_code="422"', [
        ['0.01', refused],
        ['0.1', refused],
        ['+Inf', refused],
      ]),
    ].join('\n'),
  );

const publisher = (published: number, pending: number) =>
  parsePrometheusText(
    [
      '# HELP outbox_events_published_total Events published.',
      `outbox_events_published_total ${published}`,
      'outbox_publish_errors_total 0',
      `outbox_pending_events ${pending}`,
      'outbox_failed_events 2',
      'outbox_oldest_pending_age_seconds 0.25',
    ].join('\n'),
  );

const sink = (stored: number, latency: [string, number][]) =>
  parsePrometheusText(
    [
      `sink_rows_inserted_total ${stored}`,
      'sink_insert_errors_total 0',
      'sink_dead_letters_total{code="UNMAPPABLE"} 3',
      'sink_dead_letters_total{code="UNDECODABLE"} 1',
      'sink_consumer_lag{partition="1"} 40',
      'sink_consumer_lag{partition="0"} 10',
      histogram('sink_end_to_end_latency_seconds', '', latency),
    ].join('\n'),
  );

test('a frame shows the rates, gauges and percentiles of the two scrapes', () => {
  const frame = topFrame(
    {
      // 400 more 201s in 2 s (300 of them under 10 ms), 10 more 503s, 6 more 422s.
      'user-api': { before: api(1000, 0, 0, 500), after: api(1400, 10, 6, 800) },
      'outbox-publisher': { before: publisher(5000, 7), after: publisher(5800, 12) },
      // 2000 rows in 2 s; their latencies: 1000 under 0.5 s, all under 1 s.
      'clickhouse-sink': {
        before: sink(10_000, [
          ['0.5', 100],
          ['1', 100],
          ['+Inf', 100],
        ]),
        after: sink(12_000, [
          ['0.5', 1100],
          ['1', 2100],
          ['+Inf', 2100],
        ]),
      },
    },
    2,
    new Date('2026-12-02T06:00:00Z'),
  );
  expect(frame).toContain('outbox platform — 2026-12-02 06:00:00 UTC, last 2.0 s');
  expect(frame).toContain('requests 208/s   5xx 5.0/s   4xx 3.0/s'); // (400 + 10 + 6) / 2
  expect(frame).toContain('pending 12   oldest 250 ms   failed 2');
  expect(frame).toContain('published 400/s   publish errors 0.0/s');
  expect(frame).toContain('stored 1000 rows/s   insert errors 0.0/s   dead letters 4');
  expect(frame).toContain('Kafka lag 50 (p0 10, p1 40)');
  // Median: rank 1000 of 2000 falls at the end of the first bucket, 0.5 s; p99: rank 1980 lies
  // 980/1000 into the (0.5, 1] bucket.
  expect(frame).toContain('end to end (commit → stored) p50 500 ms   p99 990 ms');
});

test('a service that cannot be scraped is shown down with the reason, the others still', () => {
  const frame = topFrame(
    {
      'user-api': { error: 'http://127.0.0.1:9466/metrics: ECONNREFUSED' },
      'outbox-publisher': { before: publisher(0, 0), after: publisher(0, 0) },
      'clickhouse-sink': { before: sink(0, [['+Inf', 0]]), after: sink(0, [['+Inf', 0]]) },
    },
    2,
  );
  expect(frame).toContain('user-api          DOWN  http://127.0.0.1:9466/metrics: ECONNREFUSED');
  expect(frame).toContain('published 0/s');
  expect(frame).toContain('p50 —   p99 —'); // nothing observed in between
});

test('a counter that went down (a restart) counts from zero', () => {
  const before = parsePrometheusText('outbox_events_published_total 900');
  const after = parsePrometheusText('outbox_events_published_total 40');
  const frame = topFrame({ 'outbox-publisher': { before, after } }, 2);
  expect(frame).toContain('published 20/s');
  expect(quantileBetween(before, after, 'none', 0.5)).toBeUndefined();
});
