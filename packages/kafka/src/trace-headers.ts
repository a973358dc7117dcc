import { context, propagation, ROOT_CONTEXT, type Context, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/** Kafka headers arrive as Buffers (or arrays of them when a name repeats: the first wins). */
const headerGetter: TextMapGetter<IHeaders> = {
  keys: (headers) => Object.keys(headers),
  get(headers, key) {
    const value = headers[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/** The W3C trace context a producer put into a message's headers (the root context if none). */
export function extractTraceContext(headers: IHeaders | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, headers ?? {}, headerGetter);
}

/** Adds traceparent/tracestate of `ctx` (the active context by default) to outgoing headers. */
export function injectTraceContext(headers: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers);
}
