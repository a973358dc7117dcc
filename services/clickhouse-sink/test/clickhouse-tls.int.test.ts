import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createClickHouse } from '../src/adapters/clickhouse/client.js';
import { loadSinkConfig } from '../src/config.js';

// No ClickHouse server runs on these machines (the sink embeds the engine; docs/architecture.md, "The ClickHouse sink"),
// so the https:// path is checked against a TLS endpoint of the test's own that presents the
// local stack's development certificate and answers the two requests the client makes here
// (`/ping` and a statement), recording what arrives. What is under test is ours: that the
// sink's settings make the client verify the server against CLICKHOUSE_TLS_CA and send the
// user and password only inside that connection.
const certFile = process.env.LOCAL_TLS_CERT_FILE;
const describeTls = certFile ? describe : describe.skip;

describeTls('the sink to a ClickHouse server over HTTPS', () => {
  const seen: { path: string; user?: string; key?: string }[] = [];
  let server: https.Server;
  let url: string;

  beforeAll(async () => {
    server = https.createServer(
      { cert: fs.readFileSync(certFile!), key: fs.readFileSync(process.env.LOCAL_TLS_KEY_FILE!) },
      (request, response) => {
        seen.push({
          path: request.url ?? '',
          // With a CA of its own, the client sends ClickHouse's credential headers, not Basic auth.
          user: request.headers['x-clickhouse-user'] as string | undefined,
          key: request.headers['x-clickhouse-key'] as string | undefined,
        });
        request.resume();
        response.writeHead(200, { 'content-type': 'text/plain' }).end(request.url === '/ping' ? 'Ok.\n' : '');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (seen.length = 0));

  const clientFor = (env: Record<string, string>) =>
    createClickHouse(
      loadSinkConfig({
        KAFKA_BROKERS: '127.0.0.1:9092',
        SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
        CLICKHOUSE_URL: url,
        CLICKHOUSE_USER: 'sink',
        CLICKHOUSE_PASSWORD: 'sink-password',
        ...env,
      }).clickhouse,
    );

  it('verifies the server against CLICKHOUSE_TLS_CA_FILE and sends the credentials inside TLS', async () => {
    const client = clientFor({ CLICKHOUSE_TLS_CA_FILE: process.env.LOCAL_TLS_CA_FILE! });
    try {
      await expect(client.ping()).resolves.toEqual({ success: true });
      await client.command({ query: 'SELECT 1' });
    } finally {
      await client.close();
    }
    expect(seen.map((request) => request.path.split('?')[0])).toEqual(['/ping', '/']);
    expect(seen[1]).toMatchObject({ user: 'sink', key: 'sink-password' });
  });

  it('refuses a server whose certificate no trusted CA signed, before sending anything', async () => {
    const client = clientFor({});
    try {
      const result = await client.ping();
      expect(result.success).toBe(false);
      expect(String((result as { error?: Error }).error?.message)).toMatch(
        /unable to verify the first certificate|self-signed certificate/,
      );
      await expect(client.command({ query: 'SELECT 1' })).rejects.toThrow(
        /unable to verify the first certificate|self-signed certificate/,
      );
    } finally {
      await client.close();
    }
    expect(seen).toEqual([]);
  });

  it('refuses TLS settings for plain HTTP or the embedded engine, and half a client certificate', () => {
    const load = (env: Record<string, string>) => () =>
      loadSinkConfig({ KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', ...env });
    const ca = fs.readFileSync(process.env.LOCAL_TLS_CA_FILE!, 'utf8');
    expect(load({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_TLS_CA: ca })).toThrow(
      /CLICKHOUSE_TLS_CA, CLICKHOUSE_TLS_CERT, CLICKHOUSE_TLS_KEY: only used with an https:\/\/ CLICKHOUSE_URL/,
    );
    expect(load({ CLICKHOUSE_TLS_CA: ca })).toThrow(/only used with an https:\/\/ CLICKHOUSE_URL/);
    expect(
      load({ CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_TLS_CERT: ca, CLICKHOUSE_TLS_CA: ca }),
    ).toThrow(/CLICKHOUSE_TLS_CERT, CLICKHOUSE_TLS_KEY: set both, with CLICKHOUSE_TLS_CA, or neither/);
  });
});
