import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * A Prometheus registry for one service: the Node.js process metrics (CPU, memory, event loop
 * lag, GC) and `service_info{service, version} 1`, to which the service adds its own.
 */
export function createMetricsRegistry(service: { name: string; version: string }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'service_info',
    help: 'The running service and its version (always 1).',
    labelNames: ['service', 'version'],
    registers: [registry],
  }).set({ service: service.name, version: service.version }, 1);
  return registry;
}
