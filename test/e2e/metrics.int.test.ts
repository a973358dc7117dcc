import fs from 'node:fs';
import path from 'node:path';
import { sampleValue, scrape, waitFor, type Sample } from '@platform/testing';
import { createPlatform, sinkQuery, type Platform } from './support/platform.js';

const USERS = 20;
const dashboardFile = path.resolve(
  import.meta.dirname,
  '../../infra/grafana/dashboards/outbox-platform.json',
);

describe('metrics: /metrics of each service follow the events through the platform', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await createPlatform('metrics');
  });

  afterAll(async () => {
    await platform.stop();
  });

  it('counts requests, shows the backlog rise while Kafka is unreachable and fall after, and rows = events', async () => {
    const testStarted = performance.now();
    const api = platform.start('user-api');
    const sink = platform.start('clickhouse-sink');
    // A publisher that cannot reach Kafka: rows stay pending, attempts fail.
    const stuck = platform.start('outbox-publisher', {
      KAFKA_BROKERS: '127.0.0.1:1',
      OUTBOX_BACKOFF_MAX_MS: '500',
    });
    const apiUrl = await platform.baseUrl(api, 'user-api');
    const sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
    const stuckUrl = await platform.baseUrl(stuck, 'outbox-publisher');
    let samples: Sample[] = [];
    const exposed = new Set<string>(); // every metric name any service served
    /** Scrapes `url` until `check` holds on the samples (kept in `samples` for the next asserts). */
    const until = (what: string, url: string, check: (s: Sample[]) => boolean) =>
      waitFor(
        what,
        async () => {
          samples = await scrape(`${url}/metrics`);
          for (const sample of samples) exposed.add(sample.name);
          return check(samples);
        },
        90_000,
      );

    samples = await scrape(`${stuckUrl}/metrics`);
    expect(sampleValue(samples, 'outbox_pending_events')).toBe(0);

    for (let i = 0; i < USERS; i += 1) {
      const response = await fetch(`${apiUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...platform.authHeader },
        body: JSON.stringify({ email: `metrics-${i}@example.com`, name: `Metrics ${i}` }),
      });
      expect(response.status).toBe(201);
    }
    const invalid = await fetch(`${apiUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...platform.authHeader },
      body: JSON.stringify({ email: 'not an email' }),
    });
    expect(invalid.status).toBe(400);
    expect(
      (await fetch(`${apiUrl}/users/01a201cb-630b-70a9-a0cd-000000000000`, { headers: platform.authHeader }))
        .status,
    ).toBe(404);
    expect((await fetch(`${apiUrl}/no-such-path`)).status).toBe(404);

    // user-api: one observation per request, labelled by route template and status.
    // On the ops port: the public one has no /metrics.
    expect((await fetch(`${apiUrl}/metrics`)).status).toBe(404);
    samples = await scrape(await platform.metricsUrl(api, 'user-api'));
    for (const sample of samples) exposed.add(sample.name);
    const requests = (labels: Record<string, string>) =>
      sampleValue(samples, 'http_server_request_duration_seconds_count', labels);
    expect(requests({ method: 'POST', route: '/users', status_code: '201' })).toBe(USERS);
    expect(requests({ method: 'POST', route: '/users', status_code: '400' })).toBe(1);
    expect(requests({ method: 'GET', route: '/users/:id', status_code: '404' })).toBe(1);
    // Paths no route matched (/no-such-path, /metrics on the public port) share one label value
    // (the label set stays small).
    expect(requests({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(2);

    // The backlog rises and ages; failed attempts are counted; nothing is published.
    await until(
      'the backlog to show every event and a failed attempt',
      stuckUrl,
      (s) =>
        sampleValue(s, 'outbox_pending_events') === USERS &&
        sampleValue(s, 'outbox_publish_errors_total') > 0,
    );
    expect(sampleValue(samples, 'outbox_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'outbox_events_published_total')).toBe(0);

    // Kafka reachable again: the backlog falls to zero, every event published.
    stuck.signal('SIGTERM');
    expect(await stuck.exitCode()).toBe(0);
    const publisher = platform.start('outbox-publisher');
    const publisherUrl = await platform.baseUrl(publisher, 'outbox-publisher');
    await until('the backlog to drain', publisherUrl, (s) => sampleValue(s, 'outbox_pending_events') === 0);
    await until(
      'every event counted as published',
      publisherUrl,
      (s) => sampleValue(s, 'outbox_events_published_total') === USERS,
    );
    expect(sampleValue(samples, 'outbox_oldest_pending_age_seconds')).toBe(0);
    expect(sampleValue(samples, 'outbox_publish_batch_size_sum')).toBe(USERS);
    expect(sampleValue(samples, 'outbox_failed_events')).toBe(0);

    // clickhouse-sink: rows inserted equal the events, nothing dead-lettered, no lag once committed.
    await until(
      'every event inserted and committed',
      sinkUrl,
      (s) =>
        sampleValue(s, 'sink_rows_inserted_total') === USERS && sampleValue(s, 'sink_consumer_lag') === 0,
    );
    expect(sampleValue(samples, 'sink_insert_batch_size_sum')).toBe(USERS);
    expect(sampleValue(samples, 'sink_insert_duration_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'sink_dead_letters_total')).toBe(0);
    // Each stored row's age: one per event, none older than this test, none negative.
    expect(sampleValue(samples, 'sink_end_to_end_latency_seconds_count')).toBe(USERS);
    const ageSum = sampleValue(samples, 'sink_end_to_end_latency_seconds_sum');
    expect(ageSum).toBeGreaterThan(0);
    expect(ageSum).toBeLessThanOrEqual(USERS * ((performance.now() - testStarted) / 1000));
    expect(
      samples
        .filter((s) => s.name === 'sink_consumer_lag')
        .map((s) => s.labels.partition)
        .sort(),
    ).toEqual(['0', '1', '2']);
    const [stored] = await sinkQuery<{ n: string }>(sinkUrl, 'SELECT count() AS n FROM analytics.event_log');
    expect(Number(stored!.n)).toBe(USERS);

    // The provisioned Grafana dashboard only asks for series the services really expose.
    const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8')) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const referenced = dashboard.panels
      .flatMap((panel) => panel.targets ?? [])
      .flatMap(
        (target) => target.expr.match(/\b(?:http_server|outbox|sink|nodejs|process)_[a-z0-9_]+/g) ?? [],
      );
    expect(referenced.length).toBeGreaterThan(15);
    expect(referenced.filter((name) => !exposed.has(name))).toEqual([]);
  });
});
