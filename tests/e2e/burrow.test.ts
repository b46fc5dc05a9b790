// Burrow (LinkedIn's consumer lag checker, Debian's package `burrow`) pointed at the broker, unchanged: its
// cluster module reads topics and high watermarks (Metadata, ListOffsets), its consumer module reads group
// offsets from __consumer_offsets (Fetch, decoding Kafka's offset-commit records), and its HTTP API reports the
// lag of a kafkajs group with a known backlog. Burrow is installed when missing (scripts/apt-packages.ts); the test
// is skipped, saying why, only where it cannot be (no apt-get, not root).
//
// Burrow insists on ZooKeeper servers in its configuration but, with the root path "/", never sends them a request
// (it only uses ZooKeeper for notifier locks); the address given is a closed port.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { BURROW, ensureAptTool } from '../../scripts/apt-packages.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { until } from '../helpers/eventually.ts';

const available = ensureAptTool(BURROW);
const skip = available ? false : 'Burrow is not installed and cannot be installed here (needs apt-get as root): apt-get install -y burrow';

let tb: TestBroker;
let kafka: Kafka;
let producer: Producer;
let burrow: ChildProcess | undefined;
let dir = '';
let httpPort = 0;
const burrowOutput: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

before(async () => {
  if (!available) return;
  tb = await startTestBroker();
  kafka = new Kafka({ clientId: 'burrow-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
});

after(async () => {
  if (burrow && burrow.exitCode === null) {
    burrow.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        burrow?.kill('SIGKILL');
        resolve(null);
      }, 5000);
      burrow?.once('exit', () => {
        clearTimeout(timer);
        resolve(null);
      });
    });
  }
  await producer?.disconnect();
  await tb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startBurrow(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'pg-kafka-burrow-'));
  httpPort = await freePort();
  const zookeeperPort = await freePort();
  writeFileSync(join(dir, 'burrow.toml'), `
[general]
pidfile="${join(dir, 'burrow.pid')}"

[logging]
level="info"

[zookeeper]
servers=["127.0.0.1:${zookeeperPort}"]
root-path="/"

[client-profile.pgkafka]
client-id="burrow"
kafka-version="2.1.0"

[cluster.pgkafka]
class-name="kafka"
servers=["${tb.address}"]
client-profile="pgkafka"
topic-refresh=1
offset-refresh=1

[consumer.pgkafka]
class-name="kafka"
cluster="pgkafka"
servers=["${tb.address}"]
client-profile="pgkafka"
offsets-topic="__consumer_offsets"
start-latest=false

[httpserver.default]
address="127.0.0.1:${httpPort}"

[storage.default]
class-name="inmemory"
workers=2
intervals=10
min-distance=1
`);
  burrow = spawn(BURROW.command, ['--config-dir', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  burrow.stdout?.on('data', (b: Uint8Array) => burrowOutput.push(String(b)));
  burrow.stderr?.on('data', (b: Uint8Array) => burrowOutput.push(String(b)));
}

interface LagAnswer {
  error: boolean;
  message: string;
  status?: { status: string; totallag: number; partitions: { topic: string; partition: number; current_lag: number; end: { offset: number } | null }[] };
}

async function lag(group: string): Promise<LagAnswer | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/v3/kafka/pgkafka/consumer/${group}/lag`);
    return (await res.json()) as LagAnswer;
  } catch {
    return null; // not listening yet
  }
}

test('Burrow reports the lag of a kafkajs group read from __consumer_offsets', { skip, timeout: 150_000 }, async () => {
  const topic = 'burrow-lagged';
  const group = 'burrow-kafkajs-group';
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();

  // 40 records (20 per partition), all consumed and committed by a kafkajs group member that then leaves.
  await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: `first-${i}` })) });
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await consumer.run({ autoCommitInterval: 100, eachMessage: async () => { seen++; } });
  await until(() => seen === 40, 30_000, 'the consumer reads the first 40 records');
  await consumer.commitOffsets([{ topic, partition: 0, offset: '20' }, { topic, partition: 1, offset: '20' }]);
  await consumer.disconnect();

  // The backlog: 7 more records on partition 0 and 5 on partition 1.
  await producer.send({ topic, messages: Array.from({ length: 7 }, (_, i) => ({ partition: 0, value: `later-${i}` })) });
  await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ partition: 1, value: `later-${i}` })) });

  await startBurrow();
  let answer: LagAnswer | null = null;
  try {
    await until(async () => {
      answer = await lag(group);
      return answer !== null && !answer.error && answer.status?.totallag === 12;
    }, 30_000, "Burrow reports a total lag of 12", 1000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last answer: ${JSON.stringify(answer)}; Burrow said: ${burrowOutput.join('').slice(-3000)}`);
  }
  const status = (answer as LagAnswer | null)?.status;
  const byPartition = new Map(status?.partitions.map((p) => [`${p.topic}-${p.partition}`, p]));
  assert.equal(byPartition.get(`${topic}-0`)?.current_lag, 7);
  assert.equal(byPartition.get(`${topic}-1`)?.current_lag, 5);
  assert.equal(byPartition.get(`${topic}-0`)?.end?.offset, 20);
  assert.equal(byPartition.get(`${topic}-1`)?.end?.offset, 20);
});
