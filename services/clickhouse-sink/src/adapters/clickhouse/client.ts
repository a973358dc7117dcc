import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

/** Where the events land: a ClickHouse server over HTTP, or the engine embedded in this process. */
export type ClickHouseConfig =
  | {
      kind: 'server';
      url: string;
      username: string;
      password: string;
      database: string;
      /** For https:// servers whose certificate a CA of one's own signed (PEM). */
      tls?: { ca: string; cert?: string; key?: string };
    }
  | { kind: 'embedded'; dataDir: string; database: string };

/**
 * One @clickhouse/client for both targets; only the connection underneath differs, so every
 * query, insert and setting above it runs the same code path. Statements name their database
 * explicitly (`analytics.event_log`): the client is not bound to one, so it can create it, and
 * the embedded engine has no per-connection database anyway.
 */
export function createClickHouse(config: ClickHouseConfig): ClickHouseClient {
  // Servers quote 64-bit integers in JSON by default and the embedded engine does not; pinning
  // the setting makes count() and friends arrive as strings from both.
  const clickhouse_settings = { output_format_json_quote_64bit_integers: 1 } as const;
  if (config.kind === 'server') {
    const { tls } = config;
    return createClient({
      url: config.url,
      username: config.username,
      password: config.password,
      clickhouse_settings,
      ...(tls
        ? {
            tls: {
              ca_cert: Buffer.from(tls.ca),
              ...(tls.cert && tls.key ? { cert: Buffer.from(tls.cert), key: Buffer.from(tls.key) } : {}),
            },
          }
        : {}),
    });
  }
  // chdb implements the Connection interface of @clickhouse/client-common, which
  // @clickhouse/client >= 1.23 bundles as its own copy; the two declarations are the same
  // interface, but TypeScript compares them nominally through their settings types.
  const connection = createChdbConnection({ path: config.dataDir }) as unknown as ClientConnection;
  return createClient({ connection, clickhouse_settings });
}
