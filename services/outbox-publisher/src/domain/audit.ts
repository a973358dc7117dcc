import { PlatformError } from '@platform/runtime';

/**
 * Reconciling the outbox (what was committed) with the warehouse (what was stored), cheaply on
 * millions of events: both sides sum up each bucket (hour, event type) as a count and an XOR of
 * a hash of every event id, and only buckets whose sums differ are looked into. A bucket too
 * large to list is split by the first hex digits of the id's hash (about 16^k parts) and only
 * the parts that differ are listed, so a handful of lost events costs a few small queries.
 */

/** One bucket, or a part of one: events of `eventType` in the hour from `hour` (ISO, UTC). */
export interface BucketKey {
  hour: string;
  eventType: string;
  /** The first hex digits of md5(event_id) this part holds; '' for the whole bucket. */
  hashPrefix: string;
}

export interface BucketSummary extends BucketKey {
  /** Distinct events. */
  events: number;
  /** XOR of the first 60 bits of md5(event_id) over distinct events, as a decimal string. */
  idHash: string;
}

export interface WarehouseBucketSummary extends BucketSummary {
  /** Rows, duplicates included: a re-stored event is one row until ClickHouse merges. */
  rows: number;
}

export interface BucketDifference {
  key: BucketKey;
  committed: number;
  stored: number;
}

export type OutboxStatus = 'pending' | 'processed' | 'failed';

export interface CommittedEvent {
  eventId: string;
  status: OutboxStatus;
}

export class AuditInputError extends PlatformError {
  constructor(message: string) {
    super('AUDIT_INPUT_INVALID', message);
  }
}

export interface AuditWindow {
  from: Date;
  to: Date;
  /** What moved the window's edges, for the report. */
  notes: string[];
}

const HOUR_MS = 3_600_000;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/**
 * The time range (of event time) both sides are compared over. Its start is never before the
 * outbox's retention horizon: older processed rows may be deleted, and their events would look
 * extra. The horizon is taken at the next whole hour after now − retention + `sweepMarginMs`, so
 * a retention sweep running during the audit cannot delete rows inside the range. Its end is
 * never after now − settle: newer events may still be on their way and would look missing.
 */
export function auditWindow(options: {
  since?: Date;
  until?: Date;
  now: Date;
  settleMs: number;
  retentionMs: number;
  sweepMarginMs?: number;
}): AuditWindow {
  const { now, settleMs, retentionMs } = options;
  const notes: string[] = [];
  const horizon = new Date(ceilHour(now.getTime() - retentionMs + (options.sweepMarginMs ?? 600_000)));
  const settled = new Date(now.getTime() - settleMs);
  let from = options.since ?? horizon;
  let to = options.until ?? settled;
  if (from < horizon) {
    notes.push(
      `starts at ${horizon.toISOString()}, not ${from.toISOString()}: older processed outbox rows may be deleted by retention`,
    );
    from = horizon;
  }
  if (to > settled) {
    if (options.until)
      notes.push(
        `ends at ${settled.toISOString()}, not ${to.toISOString()}: newer events may still be in flight`,
      );
    to = settled;
  }
  if (from >= to)
    throw new AuditInputError(
      `nothing to audit: the range ${from.toISOString()} .. ${to.toISOString()} is empty after retention and the settle window`,
    );
  return { from, to, notes };
}

const keyOf = (k: BucketKey) => `${k.hour}\u0000${k.eventType}\u0000${k.hashPrefix}`;

/** Buckets whose committed and stored sums differ, in hour, type and prefix order. */
export function differingBuckets(
  committed: readonly BucketSummary[],
  stored: readonly BucketSummary[],
): BucketDifference[] {
  const byKey = new Map<string, { key: BucketKey; committed?: BucketSummary; stored?: BucketSummary }>();
  for (const summary of committed) byKey.set(keyOf(summary), { key: summary, committed: summary });
  for (const summary of stored) {
    const entry = byKey.get(keyOf(summary)) ?? { key: summary };
    entry.stored = summary;
    byKey.set(keyOf(summary), entry);
  }
  return [...byKey.values()]
    .filter((e) => e.committed?.events !== e.stored?.events || e.committed?.idHash !== e.stored?.idHash)
    .map((e) => ({
      key: { hour: e.key.hour, eventType: e.key.eventType, hashPrefix: e.key.hashPrefix },
      committed: e.committed?.events ?? 0,
      stored: e.stored?.events ?? 0,
    }))
    .sort((a, b) => (keyOf(a.key) < keyOf(b.key) ? -1 : 1));
}

/**
 * How many hex digits of the id hash split a bucket of `events` into parts of at most about
 * `listLimit` each (0: list it whole). At most 4 digits (65536 parts).
 */
export function hashPrefixLength(events: number, listLimit: number): number {
  let digits = 0;
  while (digits < 4 && events / 16 ** digits > listLimit) digits += 1;
  return digits;
}

/** The events of one bucket (or part) that only one side has. */
export function differingEvents(
  committed: readonly CommittedEvent[],
  storedIds: readonly string[],
): { missing: CommittedEvent[]; extra: string[] } {
  const stored = new Set(storedIds);
  const committedIds = new Set(committed.map((e) => e.eventId));
  return {
    missing: committed.filter((e) => !stored.has(e.eventId)),
    extra: [...stored].filter((id) => !committedIds.has(id)),
  };
}
