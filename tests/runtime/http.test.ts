// The operations HTTP endpoint (--http-port): liveness, readiness (503 once the broker closes or PostgreSQL is
// gone, or when it answers too slowly), Prometheus metrics that move with traffic, 404 elsewhere, the endpoint
// closed by Broker.close(), and no endpoint at all without httpPort. Kafka's metric names too: BrokerTopicMetrics
// and RequestMetrics that move with traffic, and kafka_exporter's gauges (group lag, partition offsets, brokers).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import process from 'node:process';
import * as apiVersions from '../../apis/api-versions.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createOpsApp } from '../../runtime/http/app.ts';
import { isDeno } from '../../runtime/platform.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, makeBatch, produceOne, sampleRecords } from '../helpers/data-path.ts';
import { until } from '../helpers/eventually.ts';
import { commit } from '../helpers/groups.ts';

let tb: TestBroker;
let base: string;

before(async () => {
  tb = await startTestBroker({ httpPort: 0 });
  assert.equal(typeof tb.broker.httpPort, 'number');
  assert.notEqual(tb.broker.httpPort, 0);
  base = `http://127.0.0.1:${tb.broker.httpPort}`;
});
after(async () => {
  await tb?.stop();
});

async function get(path: string, at = base): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(at + path);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** `name{labels}` → value, for every sample line; throws on a line that is not a comment or a sample. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  assert.ok(text.endsWith('\n'), 'exposition ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    if (/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    const value = m[2] === '+Inf' ? Infinity : Number(m[2]);
    assert.ok(!Number.isNaN(value), `bad value in ${line}`);
    out.set(m[1], value);
  }
  return out;
}

async function scrape(): Promise<Map<string, number>> {
  const r = await get('/metrics');
  assert.equal(r.status, 200);
  assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
  return samples(r.text);
}

const hello = { clientSoftwareName: 'test', clientSoftwareVersion: '1' };

test('liveness and readiness answer 200 while the broker serves', async () => {
  const live = await get('/health/live');
  assert.equal(live.status, 200);
  assert.deepEqual(JSON.parse(live.text), { status: 'live' });
  const ready = await get('/health/ready');
  assert.equal(ready.status, 200);
  assert.deepEqual(JSON.parse(ready.text), { status: 'ready' });
});

test('unknown paths and methods are 404', async () => {
  assert.equal((await get('/nope')).status, 404);
  assert.equal((await get('/health')).status, 404);
  const post = await fetch(base + '/metrics', { method: 'POST', body: 'x' });
  await post.text();
  assert.equal(post.status, 404);
});

test('metrics move with requests, records and connections; histograms are well formed', async () => {
  const before = await scrape();
  const at = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

  const topic = await tb.store.createTopic({ name: 'http-metrics', partitions: 1 });
  const client = await RawClient.connect(tb.port);
  for (let i = 0; i < 3; i++) await client.request(apiVersions, 3, hello);
  const produced = await produceOne(client, 9, topic.name, 0, makeBatch(sampleRecords(5, 'm')));
  assert.equal(produced.errorCode, 0);
  const fetched = await fetchOne(client, 12, topic, 0, 0);
  assert.equal(fetched.batches.reduce((n, b) => n + b.records.length, 0), 5);

  const mid = await scrape();
  assert.equal(at(mid, 'pgkafka_requests_total{api="ApiVersions",version="3"}') - at(before, 'pgkafka_requests_total{api="ApiVersions",version="3"}'), 3);
  assert.equal(at(mid, 'pgkafka_requests_total{api="Produce",version="9"}') - at(before, 'pgkafka_requests_total{api="Produce",version="9"}'), 1);
  assert.equal(at(mid, 'pgkafka_requests_total{api="Fetch",version="12"}') - at(before, 'pgkafka_requests_total{api="Fetch",version="12"}'), 1);
  assert.equal(at(mid, 'pgkafka_records_produced_total') - at(before, 'pgkafka_records_produced_total'), 5);
  assert.equal(at(mid, 'pgkafka_records_fetched_total') - at(before, 'pgkafka_records_fetched_total'), 5);
  assert.ok(at(mid, 'pgkafka_connections_open') >= 1);
  assert.ok(at(mid, 'process_resident_memory_bytes') > 1e6);
  assert.ok(at(mid, 'nodejs_heap_size_used_bytes') > 0);

  // Every histogram series: cumulative buckets that never decrease, +Inf equal to _count, a non-negative _sum.
  for (const api of ['ApiVersions', 'Produce', 'Fetch']) {
    const buckets = [...mid].filter(([k]) => k.startsWith(`pgkafka_request_duration_seconds_bucket{api="${api}",le=`));
    assert.ok(buckets.length >= 5, `${api} has buckets`);
    const bounds = buckets.map(([k]) => /le="([^"]+)"/.exec(k)?.[1]);
    assert.equal(bounds.at(-1), '+Inf');
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(buckets[i][1] >= buckets[i - 1][1], `${api} buckets are cumulative`);
      if (i < buckets.length - 1) assert.ok(Number(bounds[i]) > Number(bounds[i - 1]), `${api} bounds increase`);
    }
    const count = at(mid, `pgkafka_request_duration_seconds_count{api="${api}"}`);
    assert.equal(buckets.at(-1)?.[1], count);
    assert.ok(count >= (api === 'ApiVersions' ? 3 : 1));
    assert.ok(at(mid, `pgkafka_request_duration_seconds_sum{api="${api}"}`) >= 0);
  }
  const text = (await get('/metrics')).text;
  assert.match(text, /^# TYPE pgkafka_request_duration_seconds histogram$/m);
  assert.match(text, /^# TYPE pgkafka_requests_total counter$/m);
  assert.match(text, /^# TYPE pgkafka_connections_open gauge$/m);

  const closedBefore = at(mid, 'pgkafka_connections_closed_total{reason="client"}');
  client.close();
  await until(async () => at(await scrape(), 'pgkafka_connections_closed_total{reason="client"}') === closedBefore + 1, 3000, 'the closed connection to be counted');
});

test('Kafka-named metrics: per-topic bytes, messages and requests, per-request counts and times, group lag and offsets', async () => {
  const at = (m: Map<string, number>, key: string) => m.get(key) ?? 0;
  const topic = await tb.store.createTopic({ name: 'kafka-named', partitions: 2 });
  const before = await scrape();
  const client = await RawClient.connect(tb.port);
  const batch = makeBatch(sampleRecords(7, 'k'));
  assert.equal((await produceOne(client, 9, topic.name, 0, batch)).errorCode, 0);
  assert.equal((await produceOne(client, 9, topic.name, 1, makeBatch(sampleRecords(3, 'j')))).errorCode, 0);
  assert.equal((await produceOne(client, 9, topic.name, 5, makeBatch(sampleRecords(1, 'x')))).errorCode, 3, 'no partition 5');
  const fetched = await fetchOne(client, 12, topic, 0, 0);
  assert.equal(fetched.batches.reduce((n, b) => n + b.records.length, 0), 7);
  // A simple consumer group commits offset 2 on partition 0 and 3 on partition 1: lags 5 and 0.
  assert.deepEqual(await commit(client, 'lagging-group', topic.name, { 0: 2, 1: 3 }), [0, 0]);
  client.close();

  const after = await scrape();
  const t = (name: string) => at(after, `kafka_server_brokertopicmetrics_${name}_total{topic="kafka-named"}`) - at(before, `kafka_server_brokertopicmetrics_${name}_total{topic="kafka-named"}`);
  assert.equal(t('messagesin'), 10);
  assert.equal(t('totalproducerequests'), 3);
  assert.equal(t('failedproducerequests'), 1);
  assert.ok(t('bytesin') >= batch.length && t('bytesin') < batch.length * 3, `bytesin ${t('bytesin')}`);
  assert.equal(t('totalfetchrequests'), 1);
  assert.equal(t('failedfetchrequests'), 0);
  assert.ok(t('bytesout') > 0, 'bytes out');
  const r = (name: string) => at(after, name) - at(before, name);
  assert.equal(r('kafka_network_requestmetrics_requests_total{request="Produce"}'), 3);
  assert.equal(r('kafka_network_requestmetrics_requests_total{request="Fetch"}'), 1);
  assert.equal(r('kafka_network_requestmetrics_totaltimems_count{request="Produce"}'), 3);
  assert.equal(at(after, 'kafka_network_requestmetrics_totaltimems_bucket{request="Produce",le="+Inf"}'), at(after, 'kafka_network_requestmetrics_totaltimems_count{request="Produce"}'));

  // kafka_exporter's gauges, read from PostgreSQL at the scrape.
  assert.equal(at(after, 'kafka_topic_partitions{topic="kafka-named"}'), 2);
  assert.equal(at(after, 'kafka_topic_partition_current_offset{topic="kafka-named",partition="0"}'), 7);
  assert.equal(at(after, 'kafka_topic_partition_current_offset{topic="kafka-named",partition="1"}'), 3);
  assert.equal(at(after, 'kafka_topic_partition_oldest_offset{topic="kafka-named",partition="0"}'), 0);
  assert.equal(at(after, 'kafka_consumergroup_current_offset{consumergroup="lagging-group",topic="kafka-named",partition="0"}'), 2);
  assert.equal(after.get('kafka_consumergroup_lag{consumergroup="lagging-group",topic="kafka-named",partition="0"}'), 5);
  assert.equal(after.get('kafka_consumergroup_lag{consumergroup="lagging-group",topic="kafka-named",partition="1"}'), 0);
  assert.equal(at(after, 'kafka_brokers'), 1);
  assert.equal(after.get(`kafka_broker_info{address="127.0.0.1:${tb.port}",id="${tb.config.nodeId}"}`), 1);
  assert.equal(at(after, 'kafka_topic_partitions{topic="__consumer_offsets"}'), 50);
});

test('a connection closed for bad input is counted by reason', async () => {
  const before = await scrape();
  const key = 'pgkafka_connections_closed_total{reason="invalid frame size"}';
  const c = await RawClient.connect(tb.port);
  c.write(new Uint8Array([0, 0, 0, 3, 1, 2, 3]));
  await c.closed;
  await until(async () => ((await scrape()).get(key) ?? 0) === (before.get(key) ?? 0) + 1, 3000, 'the bad connection to be counted');
});

test('readiness is 503 when PostgreSQL does not answer in time', async () => {
  const app = createOpsApp({ state: () => 'serving', ping: () => new Promise(() => {}), metrics: () => '' }, { readyTimeoutMs: 50 });
  const res = await app.fetch(new Request('http://ops/health/ready'));
  assert.equal(res.status, 503);
  assert.match((await res.json() as { reason: string }).reason, /did not answer within 50 ms/);
  const starting = await createOpsApp({ state: () => 'starting', ping: async () => {}, metrics: () => '' }).fetch(new Request('http://ops/health/ready'));
  assert.equal(starting.status, 503);
  assert.match((await starting.json() as { reason: string }).reason, /not listening/);
});

test('readiness is 503 when the store is closed', async () => {
  const own = await startTestBroker({ httpPort: 0, logLevel: 'silent' });
  try {
    const at = `http://127.0.0.1:${own.broker.httpPort}`;
    assert.equal((await get('/health/ready', at)).status, 200);
    await own.store.close();
    const ready = await get('/health/ready', at);
    assert.equal(ready.status, 503);
    assert.match(JSON.parse(ready.text).reason, /^database/);
    assert.equal((await get('/health/live', at)).status, 200);
  } finally {
    await own.stop();
  }
});

test('readiness turns 503 as soon as the broker closes; the endpoint closes with it', async () => {
  // A client that keeps its half of the connection open holds the shutdown in its drain (up to 2 s).
  const hold = connect({ port: tb.port, host: '127.0.0.1', allowHalfOpen: true });
  const answered = new Promise<void>((resolve) => hold.once('data', () => resolve()));
  hold.on('error', () => {});
  // ApiVersions v0: size, api key 18, version 0, correlation id 1, null client id.
  hold.write(new Uint8Array([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]));
  await answered;

  const closing = tb.broker.close();
  const ready = await get('/health/ready');
  assert.equal(ready.status, 503);
  assert.deepEqual(JSON.parse(ready.text), { status: 'not ready', reason: 'broker is shutting down' });
  assert.equal((await get('/health/live')).status, 200);
  hold.end();
  await closing;
  await assert.rejects(fetch(base + '/health/live'));
});

test('without httpPort there is no HTTP endpoint', async () => {
  assert.equal(loadConfig([], {}).httpPort, undefined);
  assert.equal(loadConfig(['--http-port', '9644'], {}).httpPort, 9644);
  assert.equal(loadConfig([], { PGKAFKA_HTTP_PORT: '9645' }).httpPort, 9645);
  assert.throws(() => loadConfig(['--http-port', '70000'], {}), /httpPort/);
  // Listening sockets of this process (Node names them TCPServerWrap; elsewhere the count stays 0 and proves nothing).
  const servers = () => (process.getActiveResourcesInfo?.() ?? []).filter((r) => r === 'TCPServerWrap').length;
  const serversBefore = servers();
  const plain = await startTestBroker();
  try {
    assert.equal(plain.config.httpPort, undefined);
    assert.equal(plain.broker.httpPort, null);
    if (!isDeno) assert.equal(servers() - serversBefore, 1, 'only the Kafka port listens');
  } finally {
    await plain.stop();
  }
  const withHttp = await startTestBroker({ httpPort: 0 });
  try {
    if (!isDeno) assert.equal(servers() - serversBefore, 2, 'the Kafka port and the HTTP port listen');
  } finally {
    await withHttp.stop();
  }
});
