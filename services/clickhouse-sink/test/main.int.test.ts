import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceProcess } from '@platform/testing';

const mainFile = path.resolve(import.meta.dirname, '../dist/main.js');

describe('clickhouse-sink process (built main)', () => {
  it('opens the embedded engine and Kafka, then drains on SIGTERM with exit code 0', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-main-'));
    const service = new ServiceProcess(mainFile, {
      ...process.env,
      CLICKHOUSE_URL: '',
      CLICKHOUSE_DATA_DIR: dataDir,
    });
    expect(await service.waitForLog('connected')).toMatchObject({
      clickhouse: 'embedded',
      database: 'analytics',
    });
    await service.waitForLog('service started');
    service.signal('SIGTERM');
    expect(await service.exitCode()).toBe(0);
    await service.waitForLog('service stopped');
    // The engine wrote its data where it was told to.
    expect(fs.readdirSync(dataDir).length).toBeGreaterThan(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits with a clear message for an invalid ClickHouse URL', async () => {
    const service = new ServiceProcess(mainFile, { ...process.env, CLICKHOUSE_URL: 'clickhouse:9000' });
    expect(await service.exitCode()).toBe(78);
    expect(service.stderr).toContain('CLICKHOUSE_URL: expected a URL starting with http:// or https://');
  });
});
