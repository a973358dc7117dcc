import path from 'node:path';
import type * as ReportRender from '../bench/report-render.js';

// The report's rendering (test/bench/report-render.js) on saved results of the shape each
// benchmark writes: the figures it shows and the bars it draws are the data's.
const modulePath = path.resolve(import.meta.dirname, '../bench/report-render.js');
const render = (await import(modulePath)) as typeof ReportRender;

const results = {
  'user-api': {
    pgbench_tps: 2357,
    api: { rps: 825, p99: 163, cpu_ms_per_request: 1.16 },
    half_rate: { rate: 412, p50: 3.1, p99: 164.1 },
    bare_node: { rps: 1204, p99: 76, cpu_ms_per_request: 0.6 },
    traced: [],
  },
  relay: {
    rows: 100_000,
    by_concurrency: { 1: [16_715], 2: [23_274] },
    publisher_events_per_second: 22_693,
    raw_producer_events_per_second: 69_968,
    original_loop_events_per_second: 1000,
    latency_ms: { rate: 999, p50: 8.1, p99: 140 },
  },
  debezium: {
    version: '3.6.1.Final',
    rows: 100_000,
    rate: 1000,
    variants: [
      { name: 'ours', drained: 20_000, p50: 18, p99: 200, max: 400 },
      { name: 'debezium', drained: 10_000, p50: 430, p99: 1500, max: 1800 },
    ],
  },
  sink: {
    events: 1_000_000,
    sink_events_per_second: 13_466,
    raw_inserts_rows_per_second: { before: 21_210, after: 10_442 },
    raw_consume_events_per_second: 379_810,
  },
  'end-to-end': {
    api_max_requests_per_second: 400,
    poll_ms: 100,
    runs: [
      {
        label: '250',
        into: 'api',
        rate: 250,
        achieved: 250,
        p50: 600,
        p95: 1000,
        p99: 1200,
        max: 1300,
        sustained: true,
      },
      {
        label: '1000',
        into: 'api',
        rate: 1000,
        achieved: 400,
        p50: null,
        p95: null,
        p99: null,
        max: null,
        sustained: false,
      },
      {
        label: '1000, into the outbox',
        into: 'outbox',
        rate: 1000,
        achieved: 1000,
        p50: 700,
        p95: 1100,
        p99: 1250,
        max: 1400,
        sustained: true,
      },
    ],
  },
};

test('the Markdown states every figure with its ratio and the command that produced it', () => {
  const report = render.markdownReport(results, {
    date: '2026-12-02',
    machine: '2 cores',
    commit: 'abc1234',
    charts: [{ file: 'throughput.svg', title: 'Throughput' }],
  });
  expect(report).toContain('![Throughput](throughput.svg)');
  expect(report).toContain('`npm run bench -w @platform/user-api`');
  expect(report).toContain('| ours / bare Node | 69 % (target ≥ 70 %) |');
  expect(report).toContain('| publisher / raw producer | 32 % (target ≥ 50 %) |');
  // The sink is compared with the mean of the raw inserts before and after it: 13 466 / 15 826.
  expect(report).toContain('| sink / mean of the raw inserts | 85 % (target ≥ 60 %) |');
  expect(report).toContain('Ours against debezium: drain 200 % of its rate, p99 13 % of its latency.');
  // A run whose events never arrived shows dashes, not zeros.
  expect(report).toContain('| 1000 | 400 | — | — | — | — | no |');
  expect(report).toContain('| 1000, into the outbox | 1,000 | 700 | 1,100 | 1,250 | 1,400 | yes |');
});

test('each bar is as long as its value on its panel scale', () => {
  const svg = render.barPanelsSvg('Throughput', render.throughputPanels(results));
  const widths = [...svg.matchAll(/<rect x="210" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
  // API panel: ours 825, bare 1204, pgbench 2357 (the panel's top); 400 px for the top.
  expect(widths.slice(0, 3)).toEqual([
    Number(((400 * 825) / 2357).toFixed(1)),
    Number(((400 * 1204) / 2357).toFixed(1)),
    400,
  ]);
  // Sink panel: the mean of before and after, 15 826, is its top.
  expect(widths.at(-1)).toBe(400);
  expect(svg).toContain('<title>raw 1000-row inserts (mean): 15,826.0</title>');
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
});

test('the latency chart has one group per run, says what the API got, and draws unknown values empty', () => {
  const groups = render.latencyGroups(results);
  expect(groups.map((g: { label: string[] }) => g.label)).toEqual([
    ['250/s', 'API'],
    ['1,000/s', 'API', 'got 400'],
    ['1,000/s', 'outbox'],
  ]);
  const svg = render.groupedBarsSvg('Latency', 'milliseconds', groups);
  expect(svg).toContain('milliseconds; the max is 1,250');
  expect(svg).toMatch(/<rect x="[\d.]+" y="284.0" width="[\d.]+" height="0.0"/); // a null p99
  expect(render.peerPanels({})).toEqual([]);
});
