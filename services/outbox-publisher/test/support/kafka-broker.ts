import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@platform/testing';

/**
 * A Kafka broker of this spec's own (same jars as the local stack, LOCAL_KAFKA_LIB), so a test
 * can stop and restart it without disturbing the shared broker other specs use.
 */
export async function startOwnBroker() {
  const lib = process.env.LOCAL_KAFKA_LIB;
  if (!lib || !fs.existsSync(lib))
    throw new Error('LOCAL_KAFKA_LIB must name the Kafka jars (run via ./platform)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-test-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const config = path.join(dir, 'server.properties');
  fs.writeFileSync(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
      `log.dirs=${dir}/data`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
    ].join('\n'),
  );
  // Kafka 3.x logs through reload4j, 4.x through log4j2: each reads its own setting.
  const logConfig = (file: string) =>
    path.resolve(import.meta.dirname, '../../../../infra/local/kafka', file);
  const java = (args: string[]) => [
    '-Xmx512m',
    '-cp',
    `${lib}/*`,
    `-Dlog4j.configuration=file:${logConfig('log4j.properties')}`,
    `-Dlog4j2.configurationFile=file:${logConfig('log4j2.properties')}`,
    ...args,
  ];
  const clusterId = execFileSync('java', java(['kafka.tools.StorageTool', 'random-uuid']))
    .toString()
    .trim()
    .split('\n')
    .at(-1)!;
  execFileSync(
    'java',
    java(['kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', config]),
    {
      stdio: 'ignore',
    },
  );

  let child: ChildProcess | undefined;
  const logFile = path.join(dir, 'broker.log');
  async function start(): Promise<void> {
    fs.writeFileSync(logFile, '');
    const out = fs.openSync(logFile, 'a');
    child = spawn('java', java(['kafka.Kafka', config]), { stdio: ['ignore', out, out] });
    const deadline = Date.now() + 60_000;
    while (!fs.readFileSync(logFile, 'utf8').includes('Kafka Server started')) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`test broker did not start; see ${logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  async function stop(): Promise<void> {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await start();
  return {
    brokers: [`127.0.0.1:${port}`],
    start,
    stop,
    async destroy() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
