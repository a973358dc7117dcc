/** The parts of Jaeger's query API (GET /api/traces/{id}) these tests read. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  startTime: number;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
  /** Added here: the service that reported the span. */
  service: string;
}

export function jaegerQueryUrl(): string {
  const url = process.env.JAEGER_QUERY_URL;
  if (!url || !process.env.JAEGER_OTLP_ENDPOINT) {
    throw new Error(
      'JAEGER_QUERY_URL and JAEGER_OTLP_ENDPOINT are not set: run the tests through ./platform test, ' +
        'or start the stack with tracing on (./platform stack up) and eval "$(./platform env)"',
    );
  }
  return url;
}

/** One trace as Jaeger's query API returns it (GET /api/traces/{id}: data[0]); undefined if none. */
export interface JaegerTrace {
  traceID: string;
  spans: (Omit<JaegerSpan, 'service'> & { duration: number })[];
  processes: Record<string, { serviceName: string }>;
}

export async function jaegerTrace(traceId: string): Promise<JaegerTrace | undefined> {
  const response = await fetch(`${jaegerQueryUrl()}/api/traces/${traceId}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} for trace ${traceId}`);
  return ((await response.json()) as { data: JaegerTrace[] }).data[0];
}

/** The spans of one trace (empty while Jaeger has none of it). */
export async function traceSpans(traceId: string): Promise<JaegerSpan[]> {
  const trace = await jaegerTrace(traceId);
  return (trace?.spans ?? []).map((span) => ({
    ...span,
    service: trace!.processes[span.processID]!.serviceName,
  }));
}

export const tag = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;

/** The span's parent (CHILD_OF) and its links (FOLLOWS_FROM, as Jaeger shows OpenTelemetry links). */
export function parentOf(span: JaegerSpan): { traceID: string; spanID: string } | undefined {
  return span.references.find((r) => r.refType === 'CHILD_OF');
}
export function linksOf(span: JaegerSpan): { traceID: string; spanID: string }[] {
  return span.references.filter((r) => r.refType === 'FOLLOWS_FROM');
}
