// `./platform trace`'s rendering: one trace as Jaeger's query API returns it
// (GET /api/traces/{id}: data[0] with spans and processes) drawn as a waterfall in text. Plain
// functions of the data; the e2e tracing test renders a real trace with it.

const BAR_WIDTH = 40;

/**
 * The spans in tree order (each after its parent, siblings by start time), with their depth.
 * A span whose parent is not in the trace (the caller's, or one Jaeger has not received yet)
 * starts a tree of its own.
 */
export function spanTree(trace) {
  const byId = new Map(trace.spans.map((span) => [span.spanID, span]));
  const children = new Map();
  const roots = [];
  for (const span of trace.spans) {
    const parent = span.references?.find((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID));
    if (parent) children.set(parent.spanID, [...(children.get(parent.spanID) ?? []), span]);
    else roots.push(span);
  }
  const byStart = (a, b) => a.startTime - b.startTime;
  const ordered = [];
  const visit = (span, depth) => {
    ordered.push({ span, depth });
    for (const child of (children.get(span.spanID) ?? []).sort(byStart)) visit(child, depth + 1);
  };
  for (const root of roots.sort(byStart)) visit(root, 0);
  return ordered;
}

/** The waterfall: one line per span with its service, name, offset, duration and a bar. */
export function traceWaterfall(trace) {
  const rows = spanTree(trace);
  if (rows.length === 0) return `trace ${trace.traceID}: no spans`;
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const total = Math.max(end - start, 1);
  const service = (span) => trace.processes[span.processID]?.serviceName ?? span.processID;
  const services = new Set(trace.spans.map(service));
  const ms = (micros) => (micros / 1000).toFixed(1).padStart(9);
  const nameWidth = Math.min(
    48,
    Math.max(...rows.map(({ span, depth }) => depth * 2 + span.operationName.length)),
  );
  const lines = [
    `trace ${trace.traceID}: ${trace.spans.length} spans, ${services.size} services, ${(total / 1000).toFixed(1)} ms`,
    '',
    `${'offset ms'.padStart(9)} ${'took ms'.padStart(9)}  ${'service'.padEnd(17)} ${'span'.padEnd(nameWidth)}  timeline`,
  ];
  for (const { span, depth } of rows) {
    const offset = span.startTime - start;
    const from = Math.min(BAR_WIDTH - 1, Math.floor((offset / total) * BAR_WIDTH));
    const length = Math.max(1, Math.min(BAR_WIDTH - from, Math.round((span.duration / total) * BAR_WIDTH)));
    const bar = `${' '.repeat(from)}${'█'.repeat(length)}`.padEnd(BAR_WIDTH);
    const name = `${'  '.repeat(depth)}${span.operationName}`;
    const shown = name.length > nameWidth ? `${name.slice(0, nameWidth - 1)}…` : name.padEnd(nameWidth);
    lines.push(`${ms(offset)} ${ms(span.duration)}  ${service(span).padEnd(17)} ${shown}  |${bar}|`);
  }
  return lines.join('\n');
}

/** Of a search result (GET /api/traces?service=...), the trace that started last. */
export function latestTrace(traces) {
  const startOf = (trace) => Math.min(...trace.spans.map((s) => s.startTime));
  return traces.filter((t) => t.spans.length > 0).sort((a, b) => startOf(b) - startOf(a))[0];
}
