import type { ProgressReporter } from '@platform/runtime';
import {
  differingBuckets,
  differingEvents,
  hashPrefixLength,
  type AuditWindow,
  type BucketKey,
  type BucketSummary,
  type CommittedEvent,
  type WarehouseBucketSummary,
} from './domain/audit.js';

/** Events of one type (or all) with event time in [from, to). */
export interface AuditRange {
  from: Date;
  to: Date;
  eventType?: string;
}

/** The outbox's side: what was committed (adapters/postgres/outbox-audit.ts). */
export interface CommittedEvents {
  summaries(range: AuditRange, hashPrefixLength: number): Promise<BucketSummary[]>;
  events(range: AuditRange & { eventType: string }, hashPrefix: string): Promise<CommittedEvent[]>;
  /**
   * Processed rows of these events back to pending, as `replay` does, if they were published
   * before `publishedBefore`; their outbox ids.
   */
  republish(eventIds: string[], publishedBefore: Date): Promise<string[]>;
}

/** The warehouse's side: what was stored (adapters/warehouse/sink-query-warehouse.ts). */
export interface StoredEvents {
  summaries(range: AuditRange, hashPrefixLength: number): Promise<WarehouseBucketSummary[]>;
  eventIds(range: AuditRange & { eventType: string }, hashPrefix: string): Promise<string[]>;
}

export interface MissingEvent extends CommittedEvent {
  eventType: string;
  hour: string;
}

export interface AuditReport {
  from: string;
  to: string;
  notes: string[];
  buckets: number;
  committed: number;
  stored: number;
  /** Rows beyond one per event that ClickHouse has not merged away yet (not a difference). */
  duplicateRowsAwaitingMerge: number;
  differingBuckets: { hour: string; eventType: string; committed: number; stored: number }[];
  missing: MissingEvent[];
  extra: { eventId: string; eventType: string; hour: string }[];
}

const HOUR_MS = 3_600_000;

/** The part of `range` inside one bucket's hour. */
function bucketRange(range: AuditRange, key: BucketKey): AuditRange & { eventType: string } {
  const start = Date.parse(key.hour);
  return {
    from: new Date(Math.max(range.from.getTime(), start)),
    to: new Date(Math.min(range.to.getTime(), start + HOUR_MS)),
    eventType: key.eventType,
  };
}

export function createAudit(deps: {
  committed: CommittedEvents;
  stored: StoredEvents;
  /** The most ids listed from one side in one query (the sink's /query caps result rows). */
  listLimit?: number;
  progress?: (label: string, total: number) => ProgressReporter;
}) {
  const listLimit = deps.listLimit ?? 5000;

  /** The parts of a differing bucket to list: itself, or its differing hash-prefix parts. */
  async function partsToList(range: AuditRange, key: BucketKey, largest: number): Promise<BucketKey[]> {
    const digits = hashPrefixLength(largest, listLimit);
    if (digits === 0) return [key];
    const inBucket = bucketRange(range, key);
    const [committed, stored] = await Promise.all([
      deps.committed.summaries(inBucket, digits),
      deps.stored.summaries(inBucket, digits),
    ]);
    return differingBuckets(committed, stored).map((d) => d.key);
  }

  return {
    async run(window: AuditWindow): Promise<AuditReport> {
      const range = { from: window.from, to: window.to };
      const [committed, stored] = await Promise.all([
        deps.committed.summaries(range, 0),
        deps.stored.summaries(range, 0),
      ]);
      const differing = differingBuckets(committed, stored);
      const report: AuditReport = {
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        notes: window.notes,
        buckets: new Set([...committed, ...stored].map((b) => `${b.hour} ${b.eventType}`)).size,
        committed: committed.reduce((n, b) => n + b.events, 0),
        stored: stored.reduce((n, b) => n + b.events, 0),
        duplicateRowsAwaitingMerge: stored.reduce((n, b) => n + b.rows - b.events, 0),
        differingBuckets: differing.map((d) => ({
          hour: d.key.hour,
          eventType: d.key.eventType,
          committed: d.committed,
          stored: d.stored,
        })),
        missing: [],
        extra: [],
      };
      const progress =
        differing.length > 0 ? deps.progress?.('audit: differing buckets', differing.length) : undefined;
      for (const [done, bucket] of differing.entries()) {
        const parts = await partsToList(range, bucket.key, Math.max(bucket.committed, bucket.stored));
        for (const part of parts) {
          const inBucket = bucketRange(range, part);
          const [events, ids] = await Promise.all([
            deps.committed.events(inBucket, part.hashPrefix),
            deps.stored.eventIds(inBucket, part.hashPrefix),
          ]);
          const found = differingEvents(events, ids);
          const where = { eventType: part.eventType, hour: part.hour };
          report.missing.push(...found.missing.map((e) => ({ ...e, ...where })));
          report.extra.push(...found.extra.map((eventId) => ({ eventId, ...where })));
        }
        progress?.update(done + 1);
      }
      progress?.finish(differing.length);
      return report;
    },

    /**
     * Publishes the missing events again through the replay path: their processed outbox rows go
     * back to pending, and the sink stores each once (ClickHouse collapses a re-stored event).
     * Pending rows are on their way already; failed ones wait for `requeue` once their cause is
     * fixed. A row published at or after `publishedBefore` (the audit's settle time ago) may still
     * be on its way to the warehouse, and is left alone: a repair run again soon after the last
     * one does not publish its events once more. Returns the outbox ids put back to pending and
     * how many were left alone.
     */
    async repair(
      report: AuditReport,
      publishedBefore: Date,
    ): Promise<{ republished: string[]; recentlyPublished: number }> {
      const processed = report.missing.filter((e) => e.status === 'processed').map((e) => e.eventId);
      if (processed.length === 0) return { republished: [], recentlyPublished: 0 };
      const republished = await deps.committed.republish(processed, publishedBefore);
      return { republished, recentlyPublished: processed.length - republished.length };
    },
  };
}

/** The report as outbox-cli prints it: totals, and at most `shown` events of each list. */
export function describeAudit(report: AuditReport, shown = 1000) {
  const byStatus = (status: string) => report.missing.filter((e) => e.status === status).length;
  const event = (e: { eventId: string; eventType: string; hour: string; status?: string }) => ({
    event_id: e.eventId,
    event_type: e.eventType,
    hour: e.hour,
    ...(e.status ? { outbox_status: e.status } : {}),
  });
  return {
    matches: report.missing.length === 0 && report.extra.length === 0,
    from: report.from,
    to: report.to,
    notes: report.notes,
    buckets: report.buckets,
    committed: report.committed,
    stored: report.stored,
    duplicate_rows_awaiting_merge: report.duplicateRowsAwaitingMerge,
    differing_buckets: report.differingBuckets.map((d) => ({
      hour: d.hour,
      event_type: d.eventType,
      committed: d.committed,
      stored: d.stored,
    })),
    missing: {
      total: report.missing.length,
      // processed: published, yet not stored (what --repair publishes again); pending: not yet
      // published; failed: refused by the publisher, waiting for `requeue`.
      processed: byStatus('processed'),
      pending: byStatus('pending'),
      failed: byStatus('failed'),
      events: report.missing.slice(0, shown).map(event),
    },
    extra: { total: report.extra.length, events: report.extra.slice(0, shown).map(event) },
  };
}
