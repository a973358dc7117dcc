import path from 'node:path';
import { ServiceProcess } from '@platform/testing';

const mainFile = path.resolve(import.meta.dirname, '../dist/main.js');

describe('outbox-publisher process (built main)', () => {
  it('connects to PostgreSQL and Kafka, then drains on SIGTERM with exit code 0', async () => {
    const service = new ServiceProcess(mainFile, process.env);
    expect(await service.waitForLog('connected')).toMatchObject({ service: 'outbox-publisher' });
    await service.waitForLog('service started');
    service.signal('SIGTERM');
    expect(await service.exitCode()).toBe(0);
    await service.waitForLog('service stopped');
  });

  it('exits with a clear message when Kafka is not configured', async () => {
    const { KAFKA_BROKERS: _omitted, ...env } = process.env;
    const service = new ServiceProcess(mainFile, { ...env, SCHEMA_REGISTRY_URL: 'ftp://registry' });
    expect(await service.exitCode()).toBe(78);
    expect(service.stderr).toContain('KAFKA_BROKERS: required but not set');
    expect(service.stderr).toContain('SCHEMA_REGISTRY_URL: expected a URL starting with http:// or https://');
  });

  it('fails to start, exit code 1, when the database is unreachable', async () => {
    const service = new ServiceProcess(mainFile, {
      ...process.env,
      DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none',
    });
    expect(await service.exitCode()).toBe(1);
    expect(service.logLines).toContainEqual(expect.objectContaining({ message: 'service failed to start' }));
  });
});
