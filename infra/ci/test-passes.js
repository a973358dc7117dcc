// Which test files run in the passes of `./platform test` after the first. The first pass runs
// every test of every workspace on the stack's Kafka (4.4.0). The later passes run only what can
// differ there, so that each added test costs CI time once (docs/development.md, "Which tests run
// where"). jest.preset.js narrows a workspace's suites to its list here when TEST_PASS names a pass.
//
//   node infra/ci/test-passes.js filters <pass>   the turbo --filter arguments of a pass
//   node infra/ci/test-passes.js list             every pass and its files
export const testPasses = {
  // The other supported Kafka line (3.9.1): the client and broker contract. kafkajs speaks each
  // request at the version this broker accepts (protocol), produces idempotently with acks=all
  // and consumes in groups; the sink rejoins, rebalances, and follows topic ids.
  'kafka-contract': {
    '@platform/kafka': [
      'test/kafka.int.test.ts', // produce and consume in order per key; topic ids
      'test/protocol.int.test.ts', // every request version the platform uses is accepted
      'test/transport-security.int.test.ts', // SASL_SSL with PLAIN and SCRAM, TLS refusals
    ],
    '@platform/outbox-publisher': [
      'test/relay.int.test.ts', // the idempotent producer, the publisher's whole produce path
      'test/crash.int.test.ts', // a producer killed between the broker's ack and the commit
    ],
    '@platform/clickhouse-sink': [
      'test/sink.int.test.ts', // consumer group, batches, dead-letter producer
      'test/insert-failures.int.test.ts', // heartbeats through a stall, a rebalance, resume
      'test/topic-recreated.int.test.ts', // topic ids: a topic deleted and re-created
    ],
  },
  // The test stack in containers (packages/testing/src/container-stack.ts): that the provider
  // starts PostgreSQL, Kafka and the registry and wires them (and ClickHouse) into the suites,
  // one real test per system, then the whole chain on it.
  containers: {
    '@platform/system-tests': ['e2e/test-stack.int.test.ts', 'e2e/user-to-clickhouse.int.test.ts'],
  },
};

/** The files a workspace runs in a pass (relative to the workspace), or undefined: all of them. */
export function passFiles(pass, workspace) {
  if (!pass) return undefined;
  const files = testPasses[pass];
  if (!files)
    throw new Error(`TEST_PASS must be one of ${Object.keys(testPasses).join(', ')} (got "${pass}")`);
  return files[workspace] ?? [];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, pass] = process.argv.slice(2);
  if (command === 'filters' && testPasses[pass]) {
    console.log(
      Object.keys(testPasses[pass])
        .map((workspace) => `--filter=${workspace}`)
        .join(' '),
    );
  } else if (command === 'list') {
    for (const [name, workspaces] of Object.entries(testPasses)) {
      for (const [workspace, files] of Object.entries(workspaces))
        console.log(`${name}\t${workspace}\t${files.join(' ')}`);
    }
  } else {
    console.error('usage: node infra/ci/test-passes.js filters <pass> | list');
    process.exitCode = 2;
  }
}
