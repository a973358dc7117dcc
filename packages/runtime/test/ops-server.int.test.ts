import { Registry } from '@platform/observability';
import { startOpsServer, type HealthReport } from '../src/index.js';

describe('the ops server (GET /healthz, /metrics) on a local port', () => {
  it('answers 200 while the service says ok, and 503 with the reason once it does not', async () => {
    let report: HealthReport = { status: 'ok' };
    const server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: new Registry(),
      health: () => report,
    });
    try {
      const healthz = async () => {
        const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
        return [response.status, await response.json()];
      };
      expect(await healthz()).toEqual([200, { status: 'ok' }]);
      report = { status: 'failing', reason: 'the Kafka consumer crashed: boom' };
      expect(await healthz()).toEqual([
        503,
        { status: 'failing', reason: 'the Kafka consumer crashed: boom' },
      ]);
    } finally {
      await server.close();
    }
  });

  it('counts answering as healthy when the service gives no health of its own', async () => {
    const server = await startOpsServer({ host: '127.0.0.1', port: 0, registry: new Registry() });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect([response.status, await response.json()]).toEqual([200, { status: 'ok' }]);
    } finally {
      await server.close();
    }
  });
});
