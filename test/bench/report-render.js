// Turns the benchmarks' results (what each wrote through writeBenchResult) into the report: a
// Markdown page and three SVG charts. Plain functions of the data, no I/O: report.js runs the
// benchmarks and writes the files, test/checks/bench-report.unit.test.ts checks the rendering.

/** How each benchmark is run, as the report cites it. */
export const COMMANDS = {
  'user-api': 'npm run bench -w @platform/user-api',
  relay: 'npm run bench -w @platform/outbox-publisher',
  debezium: 'npm run bench:debezium -w @platform/outbox-publisher',
  sink: 'npm run bench -w @platform/clickhouse-sink',
  'end-to-end': 'npm run bench -w @platform/system-tests',
};

const number = (value, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';
const percent = (part, whole) =>
  Number.isFinite(part / whole) ? `${Math.round((part / whole) * 100)} %` : '—';
const escape = (text) => String(text).replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** The throughput of each stage beside its limits, as bars: [{ title, unit, bars }]. */
export function throughputPanels(results) {
  const panels = [];
  const api = results['user-api'];
  if (api) {
    panels.push({
      title: 'POST /users (requests/s)',
      bars: [
        { label: 'ours', value: api.api.rps, ours: true },
        { label: 'bare node:http + pg', value: api.bare_node.rps },
        { label: 'pgbench, same inserts', value: api.pgbench_tps },
      ],
    });
  }
  const relay = results.relay;
  if (relay) {
    panels.push({
      title: 'Outbox → Kafka (events/s)',
      bars: [
        { label: 'ours', value: relay.publisher_events_per_second, ours: true },
        { label: 'raw kafkajs producer', value: relay.raw_producer_events_per_second },
      ],
    });
  }
  const sink = results.sink;
  if (sink) {
    const { before, after } = sink.raw_inserts_rows_per_second;
    panels.push({
      title: 'Kafka → ClickHouse (events/s)',
      bars: [
        { label: 'ours', value: sink.sink_events_per_second, ours: true },
        { label: 'raw 1000-row inserts (mean)', value: mean([before, after]) },
      ],
    });
  }
  return panels;
}

/** Ours beside Debezium: drain rate and commit -> topic p99. */
export function peerPanels(results) {
  const debezium = results.debezium;
  if (!debezium) return [];
  const label = (name) =>
    name === 'ours' ? 'ours' : name === 'debezium' ? 'Debezium, defaults' : 'Debezium, poll 10 ms';
  return [
    {
      title: `Drain ${number(debezium.rows)} rows (events/s, higher is better)`,
      bars: debezium.variants.map((v) => ({
        label: label(v.name),
        value: v.drained,
        ours: v.name === 'ours',
      })),
    },
    {
      title: `Commit → topic p99 at ${number(debezium.rate)} events/s (ms, lower is better)`,
      bars: debezium.variants.map((v) => ({ label: label(v.name), value: v.p99, ours: v.name === 'ours' })),
    },
  ];
}

/**
 * End to end: p50/p95/p99 per run, through the API and straight into the outbox. A run whose
 * load the API could not take says what it got (the API, not the pipeline, set that rate).
 */
export function latencyGroups(results) {
  const e2e = results['end-to-end'];
  if (!e2e) return [];
  return e2e.runs.map((run) => ({
    label: [
      `${number(run.rate)}/s`,
      run.into === 'outbox' ? 'outbox' : 'API',
      ...(run.achieved < 0.95 * run.rate ? [`got ${number(run.achieved)}`] : []),
    ],
    bars: [
      { label: 'p50', value: run.p50 },
      { label: 'p95', value: run.p95 },
      { label: 'p99', value: run.p99 },
    ],
  }));
}

const WIDTH = 720;
const LABEL_WIDTH = 210;
const BAR_HEIGHT = 18;

/** Horizontal bars, one panel under the other, each panel with its own scale. */
export function barPanelsSvg(title, panels) {
  let y = 40;
  const parts = [];
  for (const panel of panels) {
    const top = Math.max(...panel.bars.map((bar) => (Number.isFinite(bar.value) ? bar.value : 0)), 1);
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escape(panel.title)}</text>`);
    y += 10;
    for (const bar of panel.bars) {
      const length = Number.isFinite(bar.value) ? ((WIDTH - LABEL_WIDTH - 110) * bar.value) / top : 0;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${length.toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.ours ? '#2b6cb0' : '#a0aec0'}"><title>${escape(`${bar.label}: ${number(bar.value, 1)}`)}</title></rect>`,
        `<text x="${(LABEL_WIDTH + length + 6).toFixed(1)}" y="${y + 13}">${number(bar.value)}</text>`,
      );
      y += BAR_HEIGHT + 6;
    }
    y += 18;
  }
  return svg(title, y, parts);
}

/** Vertical bars grouped per x label (lines of text), one shared scale. */
export function groupedBarsSvg(title, unit, groups) {
  const height = 340;
  const plotTop = 64;
  const plotBottom = height - 56;
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter(Number.isFinite);
  const top = Math.max(...values, 1);
  const groupWidth = (WIDTH - 80) / Math.max(groups.length, 1);
  const shades = ['#90cdf4', '#4299e1', '#2b6cb0'];
  const parts = [`<text x="10" y="${plotTop - 14}">${escape(unit)}; the max is ${number(top)}</text>`];
  parts.push(`<line x1="60" y1="${plotBottom}" x2="${WIDTH - 10}" y2="${plotBottom}" stroke="#4a5568"/>`);
  groups.forEach((group, g) => {
    const barWidth = (groupWidth - 20) / group.bars.length;
    group.bars.forEach((bar, b) => {
      const barHeight = Number.isFinite(bar.value) ? ((plotBottom - plotTop) * bar.value) / top : 0;
      const x = 70 + g * groupWidth + b * barWidth;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(plotBottom - barHeight).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${shades[b % shades.length]}"><title>${escape(`${group.label.join(' ')} ${bar.label}: ${number(bar.value)}`)}</title></rect>`,
      );
      // Values over the bars only where they fit; the report's table has them all.
      if (barWidth >= 30) {
        parts.push(
          `<text x="${(x + barWidth / 2).toFixed(1)}" y="${(plotBottom - barHeight - 4).toFixed(1)}" text-anchor="middle" font-size="10">${number(bar.value)}</text>`,
        );
      }
    });
    const x = (70 + g * groupWidth + (groupWidth - 20) / 2).toFixed(1);
    group.label.forEach((line, l) =>
      parts.push(
        `<text x="${x}" y="${plotBottom + 16 + l * 14}" text-anchor="middle" font-size="11">${escape(line)}</text>`,
      ),
    );
  });
  const legend = (groups[0]?.bars ?? []).map(
    (bar, b) =>
      `<rect x="${WIDTH - 200 + b * 60}" y="${plotTop - 26}" width="12" height="12" fill="${shades[b % shades.length]}"/><text x="${WIDTH - 184 + b * 60}" y="${plotTop - 16}">${escape(bar.label)}</text>`,
  );
  return svg(title, height, [...parts, ...legend]);
}

function svg(title, height, parts) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** The Markdown report: one section per benchmark that ran, each with its command. */
export function markdownReport(results, { date, machine, commit, charts }) {
  const lines = [
    `# Benchmark report, ${date}`,
    '',
    `Machine: ${machine}. Commit: \`${commit}\`. Produced by \`./platform bench\`; each section names`,
    'the command that measured it, which runs on its own too. Ratios are taken within one run.',
    '',
    ...charts.flatMap((chart) => [`![${chart.title}](${chart.file})`, '']),
  ];
  const table = (rows) => [
    '| measure | value |',
    '| --- | --- |',
    ...rows.map(([measure, value]) => `| ${measure} | ${value} |`),
    '',
  ];
  const api = results['user-api'];
  if (api) {
    lines.push(
      '## POST /users',
      '',
      `\`${COMMANDS['user-api']}\``,
      '',
      ...table([
        [
          'ours, full speed',
          `${number(api.api.rps)} req/s, p99 ${number(api.api.p99)} ms, ${number(api.api.cpu_ms_per_request, 2)} ms CPU/request`,
        ],
        [
          'bare node:http + pg, full speed',
          `${number(api.bare_node.rps)} req/s, ${number(api.bare_node.cpu_ms_per_request, 2)} ms CPU/request`,
        ],
        ['ours / bare Node', `${percent(api.api.rps, api.bare_node.rps)} (target ≥ 70 %)`],
        ['pgbench, the same two inserts', `${number(api.pgbench_tps)} tx/s`],
        ['ours / pgbench', percent(api.api.rps, api.pgbench_tps)],
        [
          `ours at half rate (${number(api.half_rate.rate)} req/s, open loop)`,
          `p50 ${number(api.half_rate.p50, 1)} ms, p99 ${number(api.half_rate.p99, 1)} ms (target < 50 ms)`,
        ],
        ...api.traced.map((run) => [
          run.ratio > 0
            ? `ours, ${run.ratio * 100} % of requests traced`
            : 'ours, tracing off again (control)',
          `${number(run.rps)} req/s, ${number(run.cpuPerRequest, 2)} ms CPU/request`,
        ]),
      ]),
    );
  }
  const relay = results.relay;
  if (relay) {
    lines.push(
      '## Outbox → Kafka',
      '',
      `\`${COMMANDS.relay}\``,
      '',
      ...table([
        ...Object.entries(relay.by_concurrency).map(([concurrency, figures]) => [
          `publisher, OUTBOX_CONCURRENCY=${concurrency}`,
          `${figures.map((f) => number(f)).join(', ')} events/s`,
        ]),
        [
          `publisher, default settings, ${number(relay.rows)} rows`,
          `${number(relay.publisher_events_per_second)} events/s (target ≥ 25 000)`,
        ],
        ['raw kafkajs producer, same messages', `${number(relay.raw_producer_events_per_second)} events/s`],
        [
          'publisher / raw producer',
          `${percent(relay.publisher_events_per_second, relay.raw_producer_events_per_second)} (target ≥ 50 %)`,
        ],
        ['original loop (1000 per tick)', `${number(relay.original_loop_events_per_second)} events/s`],
        [
          `commit → topic at ${number(relay.latency_ms.rate)} events/s`,
          `p50 ${number(relay.latency_ms.p50, 1)} ms, p99 ${number(relay.latency_ms.p99, 1)} ms (target < 200 ms)`,
        ],
      ]),
    );
  }
  const debezium = results.debezium;
  if (debezium) {
    const [ours, ...peers] = debezium.variants;
    lines.push(
      `## Beside Debezium ${debezium.version}`,
      '',
      `\`${COMMANDS.debezium}\``,
      '',
      `| measure | ${debezium.variants.map((v) => v.name).join(' | ')} |`,
      `| --- | ${debezium.variants.map(() => '---').join(' | ')} |`,
      `| drain ${number(debezium.rows)} rows (events/s) | ${debezium.variants.map((v) => number(v.drained)).join(' | ')} |`,
      ...['p50', 'p99', 'max'].map(
        (key) =>
          `| commit → topic ${key} at ${number(debezium.rate)} events/s (ms) | ${debezium.variants.map((v) => number(v[key], 1)).join(' | ')} |`,
      ),
      '',
      ...peers.map(
        (peer) =>
          `Ours against ${peer.name}: drain ${percent(ours.drained, peer.drained)} of its rate, p99 ${percent(ours.p99, peer.p99)} of its latency.`,
      ),
      '',
    );
  }
  const sink = results.sink;
  if (sink) {
    const { before, after } = sink.raw_inserts_rows_per_second;
    lines.push(
      '## Kafka → ClickHouse',
      '',
      `\`${COMMANDS.sink}\``,
      '',
      ...table([
        [
          `sink, ${number(sink.events)} events`,
          `${number(sink.sink_events_per_second)} events/s (target ≥ 35 000)`,
        ],
        ['raw 1000-row inserts, before and after the sink', `${number(before)} and ${number(after)} rows/s`],
        [
          'sink / mean of the raw inserts',
          `${percent(sink.sink_events_per_second, mean([before, after]))} (target ≥ 60 %)`,
        ],
        ['raw kafkajs consume', `${number(sink.raw_consume_events_per_second)} events/s`],
      ]),
    );
  }
  const e2e = results['end-to-end'];
  if (e2e) {
    lines.push(
      '## End to end: API commit → row in ClickHouse',
      '',
      `\`${COMMANDS['end-to-end']}\`; the API's own maximum with the pipeline running: ${number(e2e.api_max_requests_per_second)} requests/s.`,
      '',
      '| load (events/s) | achieved | p50 ms | p95 ms | p99 ms | max ms | sustained |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...e2e.runs.map(
        (run) =>
          `| ${run.label} | ${number(run.achieved)} | ${number(run.p50)} | ${number(run.p95)} | ${number(run.p99)} | ${number(run.max)} | ${run.sustained ? 'yes' : 'no'} |`,
      ),
      '',
      `(target: p99 < 1 500 ms at 1000 events/s; latency polled every ${e2e.poll_ms} ms)`,
      '',
    );
  }
  return lines.join('\n');
}
