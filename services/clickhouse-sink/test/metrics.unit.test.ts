import { Registry } from '@platform/observability';
import { createSinkMetrics } from '../src/metrics.js';

describe('sink_end_to_end_latency_seconds', () => {
  it("observes each stored row's age from its event_time (UTC, as the rows carry it)", async () => {
    const registry = new Registry();
    const metrics = createSinkMetrics(registry);
    const now = Date.UTC(2026, 11, 2, 10, 0, 1, 500);
    // 1.5 s and 0.25 s old, and one stamped a little in the future (clock skew) counts as 0.
    metrics.eventsStored(
      ['2026-12-02 10:00:00.000', '2026-12-02 10:00:01.250', '2026-12-02 10:00:01.600'],
      now,
    );
    const { values } = (await registry.getSingleMetric('sink_end_to_end_latency_seconds')!.get()) as {
      values: { metricName?: string; value: number; labels: { le?: number | string } }[];
    };
    const value = (name: string, le?: number) =>
      values.find((v) => v.metricName === name && (le === undefined || v.labels.le === le))?.value;
    expect(value('sink_end_to_end_latency_seconds_count')).toBe(3);
    expect(value('sink_end_to_end_latency_seconds_sum')).toBeCloseTo(1.75, 6);
    expect(value('sink_end_to_end_latency_seconds_bucket', 0.25)).toBe(2);
    expect(value('sink_end_to_end_latency_seconds_bucket', 1.5)).toBe(3);
  });
});
