import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceProcess, uniqueName } from '@platform/testing';

export { waitFor } from '@platform/testing';

const mainFile = path.resolve(import.meta.dirname, '../../dist/main.js');

/** The /query token the test sinks are started with. */
export const TEST_QUERY_TOKEN = 'test-query-token-0123456789abcdef';

export interface SinkTarget {
  topic: string;
  groupId: string;
  dlqTopic: string;
  dataDir: string;
}

export function sinkTarget(prefix: string): SinkTarget {
  return {
    topic: uniqueName(prefix),
    groupId: uniqueName(`${prefix}-sink`),
    dlqTopic: uniqueName(`${prefix}-dlq`),
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-chdb-`)),
  };
}

/** The built sink as a real process, on the embedded engine in the target's data directory. */
export function startSink(target: SinkTarget, env: Record<string, string> = {}) {
  const process_ = new ServiceProcess(mainFile, {
    ...process.env,
    CLICKHOUSE_URL: '',
    CLICKHOUSE_DATA_DIR: target.dataDir,
    SINK_TOPIC: target.topic,
    SINK_GROUP_ID: target.groupId,
    SINK_DLQ_TOPIC: target.dlqTopic,
    SINK_HTTP_PORT: '0',
    SINK_BACKOFF_INITIAL_MS: '100',
    SINK_BACKOFF_MAX_MS: '1000',
    // An unknown schema id is poison after this (a registry lag is not simulated here).
    SINK_SCHEMA_MISSING_GRACE_MS: '500',
    SINK_QUERY_TOKEN: TEST_QUERY_TOKEN,
    ...env,
  });
  return {
    process: process_,
    /** Runs a read-only query through the sink's /query endpoint. */
    async query<Row = Record<string, unknown>>(sql: string): Promise<Row[]> {
      const { http_port: port } = await process_.waitForLog('consuming');
      const response = await fetch(`http://127.0.0.1:${String(port)}/query`, {
        method: 'POST',
        body: sql,
        headers: { Authorization: `Bearer ${TEST_QUERY_TOKEN}` },
      });
      const body = (await response.json()) as { rows?: Row[]; error?: string };
      if (!response.ok) throw new Error(body.error);
      return body.rows!;
    },
  };
}
