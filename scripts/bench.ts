// Benchmark: prints figures, asserts nothing. Starts an embedded PostgreSQL (or uses DATABASE_URL) and a
// broker in a child process, then measures on 1 KiB records:
//   - the raw ceiling: the same rows written straight from postgres.js with binary COPY (1,000 per transaction)
//   - produce with librdkafka (kcat -P, lz4, acks=all; plain, and a third as many records idempotent) and with
//     kafkajs (100 records per send, acks=all)
//   - consume from stored data (kcat -C to the end)
//   - end-to-end latency p50/p99 at 1,000 records/s: the broker's own (raw-protocol producer and long-polling
//     consumer) and through librdkafka (kcat producer and consumer, client defaults plus linger.ms=0)
//   - Kafka from SQL (scripts/bench-sql.ts): kafka.send and kafka.send_batch rates, commit-to-consumer latency
//   - kcat produce and consume over SASL_SSL (SCRAM-SHA-256, TLS) beside PLAINTEXT, in the same run (part "tls")
//   - the broker's peak memory (VmHWM)
//
//   npm run bench              (Node)       deno run -A scripts/bench.ts   (Deno)
//   BENCH_RECORDS=200000 npm run bench      to change the record count
//   BENCH_ONLY=latency npm run bench        only some parts: ceiling, throughput, latency, sql, tls (comma-separated)
//   BENCH_PG_SETTINGS='{"backend_flush_after":"0"}' npm run bench     embedded PostgreSQL settings to try
//   BENCH_KAFKAJS_IN_FLIGHT=32 npm run bench                           kafkajs sends in flight (default 8)

import process from 'node:process';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres.ts';
import { brokerCommand } from '../runtime/platform.ts';
import { connect } from '../store/db.ts';
import { copyRecordsBinary } from '../store/copy-binary.ts';
import { RawClient } from '../tests/helpers/raw-client.ts';
import { fetchOne, makeBatch, produceOne } from '../tests/helpers/data-path.ts';
import { benchSql } from './bench-sql.ts';
import { benchTopic, longPollConsumer } from './bench-consumer.ts';
import { makeCertificates, type TestCertificates } from '../tests/helpers/certificates.ts';


const root = fileURLToPath(new URL('../', import.meta.url));
const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const RECORD_SIZE = 1024;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const KAFKAJS_IN_FLIGHT = Number(process.env.BENCH_KAFKAJS_IN_FLIGHT ?? 8);
/** BENCH_ONLY=latency (or ceiling, throughput, sql, tls; comma-separated) runs only those parts. */
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const want = (part: 'ceiling' | 'throughput' | 'latency' | 'sql' | 'tls') => ONLY === null || ONLY.has(part);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const line = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);

async function rawCeiling(url: string): Promise<number> {
  const sql = connect(url);
  await sql`drop table if exists public.bench_ceiling`;
  await sql`create table public.bench_ceiling (like kafka.records including all)`;
  const value = new Uint8Array(RECORD_SIZE).fill(120);
  const start = performance.now();
  for (let base = 0; base < RECORDS; base += 1000) {
    const rows = Array.from({ length: Math.min(1000, RECORDS - base) }, (_, i) => ({
      topicId: 1, partition: 0, offset: base + i, timestamp: Date.now(), key: null, value,
      headerKeys: null, headerValues: null, producerId: -1, producerEpoch: -1, sequence: -1, attributes: 0, offsetDelta: i, lastOffsetDelta: 999,
    }));
    await sql.begin(async (tx) => {
      await copyRecordsBinary(tx, 'public.bench_ceiling', rows);
    });
  }
  const rate = RECORDS / ((performance.now() - start) / 1000);
  await sql`drop table public.bench_ceiling`;
  await sql.end();
  return rate;
}

const TLS_USER = 'bench';
const TLS_PASSWORD = 'bench-password';

/** The broker on `port` (PLAINTEXT); with `tls`, also a SASL_SSL listener on tls.port and a SCRAM user. */
function startBroker(url: string, port: number, tls: { port: number; certs: TestCertificates } | null): ChildProcess {
  const listen = tls
    ? ['--listeners', `PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${tls.port}`, '--ssl-cert', tls.certs.serverCert, '--ssl-key', tls.certs.serverKey, '--sasl-bootstrap-user', TLS_USER]
    : ['--port', String(port), '--host', '127.0.0.1'];
  const [cmd, args] = brokerCommand(['--database-url', url, ...listen, '--log-level', 'warn']);
  const env = tls ? { ...process.env, PGKAFKA_SASL_BOOTSTRAP_PASSWORD: TLS_PASSWORD } : process.env;
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  return child;
}

/** kcat produce and consume over PLAINTEXT and over SASL_SSL (SCRAM-SHA-256), the same records each way. */
function tlsPart(work: string, address: string, tlsAddress: string, certs: TestCertificates): void {
  const records = Math.max(1000, Math.round(RECORDS / 3));
  const inputFile = join(work, 'kcat-tls-input.txt');
  const payload = 'x'.repeat(RECORD_SIZE - 1);
  writeFileSync(inputFile, (payload + '\n').repeat(records));
  const secure = ['-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', `sasl.username=${TLS_USER}`, '-X', `sasl.password=${TLS_PASSWORD}`, '-X', `ssl.ca.location=${certs.caCert}`];
  const produce = ['-P', '-z', 'lz4', '-X', 'acks=all', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'];
  const rates: Record<string, number> = {};
  for (const [name, at, extra] of [['PLAINTEXT', address, []], ['SASL_SSL', tlsAddress, secure]] as const) {
    const p = kcat([...produce, '-b', at, ...extra, '-t', `bench-tls-${name.toLowerCase()}`], inputFile);
    if (p.status !== 0) throw new Error(`kcat -P over ${name} failed`);
    rates[`produce ${name}`] = records / p.seconds;
    const c = kcat(['-C', '-b', at, ...extra, '-t', `bench-tls-${name.toLowerCase()}`, '-o', 'beginning', '-e', '-q', '-f', '%o\n', '-X', 'fetch.message.max.bytes=4194304']);
    const consumed = c.stdout.split('\n').filter((l) => l !== '').length;
    rates[`consume ${name}`] = consumed / c.seconds;
  }
  for (const op of ['produce', 'consume']) {
    const plain = rates[`${op} PLAINTEXT`];
    const tls = rates[`${op} SASL_SSL`];
    line(`${op}, kcat over PLAINTEXT (${fmt(records)} records)`, `${fmt(plain)} records/s`);
    line(`${op}, kcat over SASL_SSL SCRAM-SHA-256`, `${fmt(tls)} records/s (${Math.round((1 - tls / plain) * 100)}% below PLAINTEXT)`);
  }
}

async function waitForPort(port: number): Promise<void> {
  const { connect: tcp } = await import('node:net');
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcp(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('broker did not start');
}

function peakMemoryMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/** Runs kcat to completion; `inputFile` becomes its standard input (read as fast as kcat reads a file). */
function kcat(args: string[], inputFile?: string): { seconds: number; stdout: string; status: number | null } {
  const stdin = inputFile === undefined ? 'ignore' : openSync(inputFile, 'r');
  try {
    const start = performance.now();
    const r = spawnSync('kcat', args, { stdio: [stdin, 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.error) throw r.error;
    return { seconds: (performance.now() - start) / 1000, stdout: r.stdout, status: r.status };
  } finally {
    if (typeof stdin === 'number') closeSync(stdin);
  }
}

/**
 * The broker's own end-to-end latency at 1,000 records/s over the raw protocol. The producer behaves as Kafka
 * clients do (Java, librdkafka with max.in.flight 1): one Produce request in flight, and the records that arrived
 * meanwhile go out together in the next one; acks=all. The consumer long-polls Fetch (max wait 500 ms, min bytes 1).
 * Latency is from a record's arrival at the producer to its delivery by a Fetch answer.
 */
async function rawLatency(port: number): Promise<{ p50: number; p99: number; samples: number }> {
  const producerConn = await RawClient.connect(port);
  const consumerConn = await RawClient.connect(port);
  const topic = await benchTopic(producerConn, 'bench-raw-latency');
  const arrivedAt = new Map<string, number>();
  const latencies: number[] = [];
  const consumer = longPollConsumer(consumerConn, topic, (value, now) => {
    const at = arrivedAt.get(value);
    if (at !== undefined) latencies.push(now - at);
  });
  const begin = performance.now();
  let made = 0;
  let queued: string[] = [];
  let inFlight: Promise<unknown> | null = null;
  while (performance.now() - begin < LATENCY_SECONDS * 1000) {
    const due = Math.floor(performance.now() - begin) - made;
    for (let i = 0; i < due; i++) {
      const value = String(made++);
      arrivedAt.set(value, performance.now());
      queued.push(value);
    }
    if (!inFlight && queued.length > 0) {
      // 1 KiB records: the sequence number, padded.
      const batch = makeBatch(queued.map((value) => ({ key: null, value: value.padEnd(RECORD_SIZE) })));
      queued = [];
      inFlight = produceOne(producerConn, 9, topic.name, 0, batch).then(() => (inFlight = null));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  if (inFlight) await inFlight;
  await new Promise((r) => setTimeout(r, 1000));
  await consumer.stop();
  producerConn.close();
  consumerConn.close();
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: pct(0.5), p99: pct(0.99), samples: latencies.length };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'pgk-bench-'));
  let embedded: { url: string; stop(): Promise<void> } | null = null;
  let url = process.env.DATABASE_URL;
  if (!url) {
    const pg = await startEmbeddedPostgres({ dataDir: join(work, 'pg'), settings: JSON.parse(process.env.BENCH_PG_SETTINGS ?? '{}') });
    embedded = pg;
    url = pg.socketUrl ?? pg.url;
  }
  const port = await freePort();
  const tls = want('tls') ? { port: await freePort(), certs: makeCertificates() } : null;
  const broker = startBroker(url, port, tls);
  const address = `127.0.0.1:${port}`;
  try {
    await waitForPort(port);
    console.log(`pg-kafka bench: ${fmt(RECORDS)} records of ${RECORD_SIZE} bytes, ${process.versions.deno ? 'Deno ' + process.versions.deno : 'Node ' + process.versions.node}`);

    const ceiling = want('ceiling') ? await rawCeiling(url) : NaN;
    if (want('ceiling')) line('raw ceiling (postgres.js binary COPY, 1000/txn)', `${fmt(ceiling)} records/s`);
    const ofCeiling = (rate: number) => (Number.isNaN(ceiling) ? '' : ` (${Math.round((rate / ceiling) * 100)}% of ceiling)`);

    const kafka = new Kafka({ brokers: [address], clientId: 'bench', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'bench-kcat', numPartitions: 1 }, { topic: 'bench-kafkajs', numPartitions: 1 }, { topic: 'bench-latency', numPartitions: 1 }, { topic: 'bench-idempotent', numPartitions: 1 }] });
    await admin.disconnect();

    if (want('throughput')) {
      // librdkafka producer: one line = one record.
      const payload = 'x'.repeat(RECORD_SIZE - 1);
      // From a file, as a producer reading its input at full speed (piping 300 MB from this process was slower).
      const inputFile = join(work, 'kcat-input.txt');
      writeFileSync(inputFile, (payload + '\n').repeat(RECORDS));
      const kcatProduce = ['-P', '-b', address, '-z', 'lz4', '-X', 'acks=all', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'];
      const p = kcat([...kcatProduce, '-t', 'bench-kcat'], inputFile);
      rmSync(inputFile);
      const kcatRate = RECORDS / p.seconds;
      line('produce, kcat -P lz4 acks=all', `${fmt(kcatRate)} records/s${ofCeiling(kcatRate)}`);

      // kafkajs producer: 100 records per send, 8 sends in flight (BENCH_KAFKAJS_IN_FLIGHT).
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const value = Buffer.alloc(RECORD_SIZE, 120);
      const sends = RECORDS / 100;
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < sends) {
          next++;
          await producer.send({ topic: 'bench-kafkajs', acks: -1, compression: CompressionTypes.None, messages: Array.from({ length: 100 }, () => ({ value })) });
        }
      };
      await Promise.all(Array.from({ length: KAFKAJS_IN_FLIGHT }, worker));
      const jsRate = RECORDS / ((performance.now() - started) / 1000);
      line(`produce, kafkajs 100/send acks=all (${KAFKAJS_IN_FLIGHT} in flight)`, `${fmt(jsRate)} records/s${ofCeiling(jsRate)}`);

      // Consume what kcat produced.
      const c = kcat(['-C', '-b', address, '-t', 'bench-kcat', '-o', 'beginning', '-e', '-q', '-f', '%o\n', '-X', 'fetch.message.max.bytes=4194304']);
      const consumed = c.stdout.split('\n').filter(Boolean).length;
      line('consume, kcat -C from stored data', `${fmt(consumed / c.seconds)} records/s (${fmt(consumed)} records)`);

      // The idempotent producer (the default of Java's client since Kafka 3.0): a third of the records, after the
      // consume so that the data consumed above was written the same way as before this measure existed.
      const idempotentRecords = Math.floor(RECORDS / 3);
      writeFileSync(inputFile, (payload + '\n').repeat(idempotentRecords));
      const ip = kcat([...kcatProduce, '-t', 'bench-idempotent', '-X', 'enable.idempotence=true'], inputFile);
      const idempotentRate = idempotentRecords / ip.seconds;
      line('produce, kcat -P lz4 acks=all idempotent', `${fmt(idempotentRate)} records/s${ofCeiling(idempotentRate)} (${fmt(idempotentRecords)} records)`);
      rmSync(inputFile);

      await producer.disconnect();
    }
    if (want('latency')) {

      // End-to-end latency at 1,000 records/s: librdkafka on both sides (kcat -P fed one line per millisecond with
      // the send time inside, linger.ms=0, acks=all; kcat -C prints each value as it arrives).
      const latencies: number[] = [];
      const consumer = spawn('kcat', ['-C', '-b', address, '-t', 'bench-latency', '-o', 'end', '-q', '-u', '-f', '%s\n'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let buf = '';
      consumer.stdout!.on('data', (d: Buffer) => {
        const now = performance.timeOrigin + performance.now();
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const sent = Number(buf.slice(0, nl).trimEnd());
          buf = buf.slice(nl + 1);
          if (sent > 0) latencies.push(now - sent);
        }
      });
      const sender = spawn('kcat', ['-P', '-b', address, '-t', 'bench-latency', '-u', '-X', 'linger.ms=0', '-X', 'acks=all'], { stdio: ['pipe', 'inherit', 'inherit'] });
      await new Promise((r) => setTimeout(r, 3000));
      const begin = performance.now();
      let sent = 0;
      while (performance.now() - begin < LATENCY_SECONDS * 1000) {
        const due = Math.floor(performance.now() - begin) - sent;
        let chunk = '';
        // 1 KiB records (the send time, padded): kcat reads its input in blocks of about 1 KiB, so short lines
        // would wait in kcat for the block to fill (a line of 20 bytes at 1,000 records/s: about 50 ms).
        for (let i = 0; i < due; i++) chunk += `${performance.timeOrigin + performance.now()}`.padEnd(RECORD_SIZE - 1) + '\n';
        sent += due;
        if (chunk) sender.stdin!.write(chunk);
        await new Promise((r) => setTimeout(r, 1));
      }
      sender.stdin!.end();
      await new Promise((r) => sender.once('exit', r));
      await new Promise((r) => setTimeout(r, 1500));
      consumer.kill();
      latencies.sort((a, b) => a - b);
      const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
      line(`end-to-end latency, kcat at 1,000 records/s (${fmt(latencies.length)} of ${fmt(sent)})`, `p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms`);

      // The broker's own end-to-end latency at 1,000 records/s: a raw-protocol producer batching like a client
      // (rawLatency) and a raw-protocol consumer long-polling Fetch (max wait 500 ms, min bytes 1).
      const raw = await rawLatency(port);
      line(`end-to-end latency, raw protocol at 1,000 records/s (${fmt(raw.samples)} records)`, `p50 ${raw.p50.toFixed(1)} ms, p99 ${raw.p99.toFixed(1)} ms`);
    }

    if (want('sql')) {
      await benchSql({ url, port, recordSize: RECORD_SIZE, singleRecords: Math.floor(RECORDS / 10), batchRecords: Math.floor(RECORDS / 3), latencySeconds: LATENCY_SECONDS, line });
    }

    if (tls) tlsPart(work, address, `127.0.0.1:${tls.port}`, tls.certs);

    line('broker peak memory (VmHWM)', `${peakMemoryMiB(broker.pid!).toFixed(0)} MiB`);
  } finally {
    broker.kill('SIGTERM');
    await new Promise((r) => broker.once('exit', r));
    if (embedded) await embedded.stop();
    tls?.certs.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
