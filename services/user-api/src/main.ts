import { createMetricsRegistry } from '@platform/observability';
import { packageVersion, runService, startOpsServer } from '@platform/runtime';
import { createOrm, databaseProbe } from './adapters/postgres/orm.js';
import { createApp } from './app.js';
import { loadUserApiConfig } from './config.js';
import { createTokenVerifier } from './http/auth.js';
import { listen } from './http/server.js';
import { createOutboxWriter } from './outbox/outbox-writer.js';
import { createIdempotencyRetention } from './users/idempotency-retention.js';
import { createUserService } from './users/user-service.js';

const service = { name: 'user-api', version: packageVersion(import.meta.url) };

await runService({
  ...service,
  loadConfig: loadUserApiConfig,
  async start(config, logger) {
    const orm = await createOrm(config.database);
    const metrics = createMetricsRegistry(service);
    const users = createUserService({ orm, outbox: createOutboxWriter({ environment: config.environment }) });
    const app = createApp({
      logger,
      database: databaseProbe(orm),
      users,
      bodyLimitBytes: config.http.bodyLimitBytes,
      metrics,
      verifyToken: createTokenVerifier(config.auth),
      limits: config.limits,
      trustedProxyHops: config.http.trustedProxyHops,
    });
    const retention = createIdempotencyRetention({ orm, logger, batchSize: 1000, ...config.idempotency });
    retention.start();
    const server = await listen(app, config.http);
    const ops = await startOpsServer({ ...config.ops, registry: metrics });
    logger.info('listening', { host: config.http.host, port: server.port, ops_port: ops.port });
    return async () => {
      await server.close(); // stop accepting, finish in-flight requests
      await ops.close();
      await retention.stop();
      await orm.close(); // then close the pool
    };
  },
});
