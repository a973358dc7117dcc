import { createLogger } from '@platform/observability';
import { describeError, loadConfigOrExit, packageVersion } from '@platform/runtime';
import { createOrm, migrate } from './adapters/postgres/orm.js';
import { loadDatabaseConfig } from './config.js';

// `npm run migrate`: applies pending schema migrations, then exits. Run before starting a new
// version of the API (./platform up does).
const config = loadConfigOrExit('user-api migrate', loadDatabaseConfig);
const logger = createLogger({
  service: 'user-api-migrate',
  version: packageVersion(import.meta.url),
  level: config.logLevel,
});
const orm = await createOrm({ ...config.database, poolMax: 1 });
try {
  const applied = await migrate(orm);
  logger.info(applied.length ? 'migrations applied' : 'schema up to date', { applied });
} catch (error) {
  logger.error('migration failed', { error: describeError(error) });
  process.exitCode = 1;
} finally {
  await orm.close();
}
