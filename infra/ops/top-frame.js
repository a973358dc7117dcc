// One frame of `./platform top`: the pipeline's figures from two scrapes of the services' own
// /metrics, as text. Plain functions of the samples (no I/O), so a frame can be checked against
// the metrics it was computed from (test/checks/top-frame.unit.test.ts).
import { sampleValue } from '@platform/testing';

/** The services top reads, in pipeline order, with the metrics port each serves by default. */
export const SERVICES = [
  { name: 'user-api', portVariable: 'OPS_HTTP_PORT', port: 9466 },
  { name: 'outbox-publisher', portVariable: 'PUBLISHER_HTTP_PORT', port: 9465 },
  { name: 'clickhouse-sink', portVariable: 'SINK_HTTP_PORT', port: 9464 },
];

/** How much `name` (summed over the samples `filter` keeps) grew per second between two scrapes. */
function ratePerSecond(before, after, seconds, name, filter = () => true) {
  const total = (samples) => sampleValue(samples.filter(filter), name);
  // A counter that went down means the service restarted: count from zero.
  const grown = total(after) - total(before);
  return (grown >= 0 ? grown : total(after)) / seconds;
}

/**
 * The q-quantile (0..1) of a histogram's observations between two scrapes, from the growth of
 * its cumulative buckets, interpolated inside the bucket it falls in (as PromQL's
 * histogram_quantile does). Undefined when nothing was observed in between.
 */
export function quantileBetween(before, after, name, q) {
  const buckets = new Map();
  for (const s of after.filter((s) => s.name === `${name}_bucket`)) {
    buckets.set(s.labels.le, (buckets.get(s.labels.le) ?? 0) + s.value);
  }
  for (const s of before.filter((s) => s.name === `${name}_bucket`)) {
    buckets.set(s.labels.le, (buckets.get(s.labels.le) ?? 0) - s.value);
  }
  const sorted = [...buckets]
    .map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count }))
    .sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of sorted) {
    if (count >= rank) {
      if (le === Infinity) return lower; // beyond the last bound: the bound is all that is known
      return lower + ((le - lower) * (rank - below)) / Math.max(count - below, 1e-9);
    }
    lower = le;
    below = count;
  }
  return lower;
}

const fixed = (value, digits = 0) => (value === undefined ? '—' : value.toFixed(digits));
const seconds = (value) =>
  value === undefined ? '—' : value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;

/**
 * The frame: `scrapes` maps a service name to { before, after } sample lists (or { error }), and
 * `interval` is the seconds between the two.
 */
export function topFrame(scrapes, interval, now = new Date()) {
  const lines = [
    `outbox platform — ${now.toISOString().replace('T', ' ').slice(0, 19)} UTC, last ${fixed(interval, 1)} s`,
    '',
  ];
  const section = (name, render) => {
    const scrape = scrapes[name];
    if (!scrape || scrape.error) {
      lines.push(`${name.padEnd(17)} DOWN  ${scrape?.error ?? 'not scraped'}`, '');
      return;
    }
    lines.push(
      ...render(scrape.before, scrape.after).map((line, i) =>
        i === 0 ? `${name.padEnd(17)} ${line}` : `${''.padEnd(17)} ${line}`,
      ),
      '',
    );
  };

  section('user-api', (before, after) => {
    const requests = 'http_server_request_duration_seconds_count';
    const isError = (s) => s.labels.status_code?.startsWith('5');
    const isRefused = (s) => s.labels.status_code?.startsWith('4');
    return [
      `requests ${fixed(ratePerSecond(before, after, interval, requests))}/s   ` +
        `5xx ${fixed(ratePerSecond(before, after, interval, requests, isError), 1)}/s   ` +
        `4xx ${fixed(ratePerSecond(before, after, interval, requests, isRefused), 1)}/s`,
      `latency p50 ${seconds(quantileBetween(before, after, 'http_server_request_duration_seconds', 0.5))}   ` +
        `p99 ${seconds(quantileBetween(before, after, 'http_server_request_duration_seconds', 0.99))}`,
    ];
  });

  section('outbox-publisher', (before, after) => [
    `pending ${fixed(sampleValue(after, 'outbox_pending_events'))}   ` +
      `oldest ${seconds(sampleValue(after, 'outbox_oldest_pending_age_seconds'))}   ` +
      `failed ${fixed(sampleValue(after, 'outbox_failed_events'))}`,
    `published ${fixed(ratePerSecond(before, after, interval, 'outbox_events_published_total'))}/s   ` +
      `publish errors ${fixed(ratePerSecond(before, after, interval, 'outbox_publish_errors_total'), 1)}/s`,
  ]);

  section('clickhouse-sink', (before, after) => {
    const lag = after
      .filter((s) => s.name === 'sink_consumer_lag')
      .sort((a, b) => Number(a.labels.partition) - Number(b.labels.partition));
    const latency = 'sink_end_to_end_latency_seconds';
    return [
      `stored ${fixed(ratePerSecond(before, after, interval, 'sink_rows_inserted_total'))} rows/s   ` +
        `insert errors ${fixed(ratePerSecond(before, after, interval, 'sink_insert_errors_total'), 1)}/s   ` +
        `dead letters ${fixed(sampleValue(after, 'sink_dead_letters_total'))}`,
      `Kafka lag ${lag.length === 0 ? '—' : `${fixed(lag.reduce((sum, s) => sum + s.value, 0))} (${lag.map((s) => `p${s.labels.partition} ${s.value}`).join(', ')})`}`,
      `end to end (commit → stored) p50 ${seconds(quantileBetween(before, after, latency, 0.5))}   ` +
        `p99 ${seconds(quantileBetween(before, after, latency, 0.99))}`,
    ];
  });
  return lines.join('\n');
}
