// TypeScript shape of avro/order-placed.avsc: the second aggregate type, showing how another
// team's events share the platform (docs/adding-an-event-type.md). Checked against its schema
// by test/types.unit.test.ts.
import type { EventEnvelope } from './user-events.js';

export interface OrderPlaced extends EventEnvelope {
  event_type: 'order_placed';
  order_id: string;
  user_id: string;
  /** In the currency's minor unit (cents). */
  total_cents: number;
  currency: string;
}

export type OrderEvent = OrderPlaced;
export type OrderEventType = OrderEvent['event_type'];
