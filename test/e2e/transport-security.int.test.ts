import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { waitFor } from '@platform/testing';
import { apiCaller, createPlatform, sinkQuery } from './support/platform.js';
import { startPrivatePostgres } from './support/private-postgres.js';

// The pipeline with every hop it owns encrypted and authenticated, for real: PostgreSQL serving
// TLS only (a private cluster with the stack's development certificate), Kafka through its
// SASL_SSL listener (SCRAM-SHA-512). Needs the local stack's secure listener and certificate.
const env = process.env;
const available = Boolean(env.LOCAL_KAFKA_SASL_SSL_BROKERS && env.LOCAL_TLS_CERT_FILE);
const describeSecure = available ? describe : describe.skip;

/** What every service is given to reach Kafka over SASL_SSL: secrets and CA as files. */
const secureKafka = () => ({
  KAFKA_BROKERS: env.LOCAL_KAFKA_SASL_SSL_BROKERS!,
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
  KAFKA_SASL_USERNAME: env.LOCAL_KAFKA_SASL_USERNAME!,
  KAFKA_SASL_PASSWORD_FILE: env.LOCAL_KAFKA_SASL_PASSWORD_FILE!,
  KAFKA_TLS_CA_FILE: env.LOCAL_TLS_CA_FILE!,
});

describeSecure('end to end over TLS: PostgreSQL with sslmode=verify-full, Kafka with SASL_SSL', () => {
  let postgres: Awaited<ReturnType<typeof startPrivatePostgres>>;
  // "localhost", the name the certificate was made for: verify-full checks it.
  let serverUrl: string;

  beforeAll(async () => {
    postgres = await startPrivatePostgres({
      tls: { certFile: env.LOCAL_TLS_CERT_FILE!, keyFile: env.LOCAL_TLS_KEY_FILE! },
    });
    serverUrl = `postgres://platform@localhost:${postgres.port}/postgres?sslmode=verify-full&sslrootcert=${env.LOCAL_TLS_CA_FILE}`;
  });
  afterAll(() => postgres.remove());

  it('a user created through the API reaches ClickHouse; every database session of the services is TLS', async () => {
    const platform = await createPlatform('tls', secureKafka(), { databaseServerUrl: serverUrl });
    try {
      const api = platform.start('user-api');
      platform.start('outbox-publisher');
      const sink = platform.start('clickhouse-sink');
      const call = apiCaller(await platform.baseUrl(api, 'user-api'), platform);
      const sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');

      const created = await call('POST', '/users', { email: 'tls@x.io', name: 'Over TLS' });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      await waitFor(
        'the event in ClickHouse',
        async () =>
          (
            await sinkQuery<{ n: string }>(
              sinkUrl,
              `SELECT count() AS n FROM analytics.event_log WHERE aggregate_id = '${id}'`,
            )
          )[0]?.n === '1',
        60_000,
      ).catch((error: unknown) => {
        platform.printRecentLogs();
        throw error;
      });

      const client = new pg.Client({ connectionString: platform.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ application_name: string; ssl: boolean }>(
          `select a.application_name, s.ssl from pg_stat_activity a join pg_stat_ssl s using (pid)
            where a.datname = current_database() and a.pid <> pg_backend_pid() and a.backend_type = 'client backend'`,
        );
        // The API's pool and the relay's pool and control connection, all encrypted.
        expect(rows.length).toBeGreaterThanOrEqual(2);
        expect(rows.filter((row) => !row.ssl)).toEqual([]);
        expect(rows.map((row) => row.application_name)).toContain('outbox-publisher');
      } finally {
        await client.end();
      }
    } finally {
      await platform.stop();
    }
  });

  it('refused: plaintext or an untrusted server certificate (API not ready); a wrong Kafka password (rows stay pending)', async () => {
    const platform = await createPlatform('tlsrefused', secureKafka(), { databaseServerUrl: serverUrl });
    try {
      const withParameters = (parameters: Record<string, string>) => {
        const url = new URL(platform.databaseUrl);
        url.search = new URLSearchParams(parameters).toString();
        return url.toString();
      };
      // The server refuses plaintext (pg_hba: hostssl only); verify-full without sslrootcert
      // trusts only public CAs, which did not sign the development certificate.
      const refusedBy: Record<string, RegExp> = {
        disable: /pg_hba\.conf .* no encryption/,
        'verify-full': /unable to verify the first certificate|self-signed certificate/,
      };
      for (const [sslmode, reason] of Object.entries(refusedBy)) {
        const api = platform.start('user-api', { DATABASE_URL: withParameters({ sslmode }) });
        const call = apiCaller(await platform.baseUrl(api, 'user-api'), platform);
        expect((await call('GET', '/readyz')).status).toBe(503);
        expect((await call('POST', '/users', { email: 'no@x.io', name: 'No' })).status).toBe(503);
        expect(JSON.stringify(api.logLines)).toMatch(reason);
      }

      // Kafka refuses the relay: the committed row stays pending (nothing lost, nothing marked)
      // and the relay says why while it backs off.
      const api = platform.start('user-api');
      const call = apiCaller(await platform.baseUrl(api, 'user-api'), platform);
      expect((await call('POST', '/users', { email: 'pending@x.io', name: 'Pending' })).status).toBe(201);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-password-'));
      fs.writeFileSync(path.join(dir, 'password'), 'not-the-password');
      const relay = platform.start('outbox-publisher', {
        KAFKA_SASL_PASSWORD_FILE: path.join(dir, 'password'),
      });
      const failed = await relay.waitForLog('relay attempt failed; rows stay pending; backing off');
      expect(JSON.stringify(failed)).toMatch(/SASL SCRAM SHA512 authentication failed/);
      expect(JSON.stringify(relay.logLines)).not.toContain('not-the-password');
      const client = new pg.Client({ connectionString: platform.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ status: string }>('select status from outbox');
        expect(rows).toEqual([{ status: 'pending' }]);
      } finally {
        await client.end();
      }
      fs.rmSync(dir, { recursive: true, force: true });
    } finally {
      await platform.stop();
    }
  });
});
