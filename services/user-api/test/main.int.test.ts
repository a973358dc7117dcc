import path from 'node:path';
import { ServiceProcess } from '@platform/testing';
import { testAuthEnv, testToken } from './support/tokens.js';

const mainFile = path.resolve(import.meta.dirname, '../dist/main.js');

describe('user-api process (built main)', () => {
  it('starts, serves, and drains on SIGTERM with exit code 0', async () => {
    const service = new ServiceProcess(mainFile, {
      ...process.env,
      ...(await testAuthEnv()),
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
    });
    const listening = await service.waitForLog('listening');
    expect(await service.waitForLog('service started')).toMatchObject({ service: 'user-api', level: 'info' });

    const base = `http://127.0.0.1:${String(listening.port)}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      // The configured key set is the one trusted: without a token 401, with one the request
      // gets past authentication (to validation: limit=0 is a 400, before any query).
      expect((await fetch(`${base}/users?limit=0`)).status).toBe(401);
      const token = await testToken({ scopes: ['users:read'] });
      const headers = { Authorization: `Bearer ${token}` };
      expect((await fetch(`${base}/users?limit=0`, { headers })).status).toBe(400);
    } catch (error) {
      service.signal('SIGKILL');
      throw error;
    }

    service.signal('SIGTERM');
    expect(await service.exitCode()).toBe(0);
    expect(service.logLines.map((line) => line.message)).toEqual(
      expect.arrayContaining(['shutdown requested; draining', 'service stopped']),
    );
  });

  it('refuses to start with invalid configuration, listing every problem', async () => {
    const { DATABASE_URL: _omitted, ...env } = process.env;
    const service = new ServiceProcess(mainFile, { ...env, HTTP_PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(await service.exitCode()).toBe(78);
    expect(service.stderr).toContain('Invalid configuration (5 problems)');
    expect(service.stderr).toContain('AUTH_ISSUER: required but not set');
    expect(service.stderr).toContain('DATABASE_URL: required but not set');
    expect(service.stderr).toContain('HTTP_PORT: expected a port number (got "eighty")');
    expect(service.stderr).toContain('LOG_LEVEL: expected one of error, warn, info, debug (got "loud")');
  });
});
