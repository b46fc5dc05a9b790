// Client quotas enforced on real clients: a kafkajs producer whose client id has producer_byte_rate set is held to
// that rate (the bytes the broker appended per second, measured after the first seconds, within 20%), while an
// unthrottled client is answered with throttle_time_ms 0; a raw client over its quota gets throttle_time_ms in
// the answer and its next request waits (the broker stops reading from the connection: KIP-219). The quota
// windows are shortened (quota.window.num 5) so that the rate settles within seconds.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as alterQuotas from '../../apis/alter-client-quotas.ts';
import * as apiVersions from '../../apis/api-versions.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeBatch } from '../helpers/data-path.ts';
import { sleep } from '../helpers/eventually.ts';
import * as produceApi from '../../apis/produce.ts';

const RATE = 60_000; // bytes per second
/** quota.window.num for this test (Kafka's default, 11, lets a client run 10 s ahead before the rate settles). */
const WINDOWS = 5;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ quotaWindowNum: WINDOWS });
  client = await RawClient.connect(tb.port);
  const res = await client.request<alterQuotas.AlterClientQuotasResponse>(alterQuotas, 1, {
    validateOnly: false,
    entries: [
      { entity: [{ entityType: 'client-id', entityName: 'throttled-producer' }], ops: [{ key: 'producer_byte_rate', value: RATE, remove: false }] },
      { entity: [{ entityType: 'client-id', entityName: 'raw-test' }], ops: [{ key: 'producer_byte_rate', value: 1000, remove: false }] },
    ],
  });
  assert.deepEqual(res.entries?.map((e) => e.errorCode), [0, 0]);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('a kafkajs producer is held to its producer_byte_rate', { timeout: 60_000 }, async () => {
  const topic = 'quota-throttled';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  const kafka = new Kafka({ clientId: 'throttled-producer', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const value = 'x'.repeat(1000);
  const bytesIn = () => tb.broker.metrics.topic(topic).bytesIn.value;
  let stop = false;
  const sending = (async () => {
    while (!stop) await producer.send({ topic, messages: Array.from({ length: 10 }, () => ({ value })) });
  })();
  try {
    // Unthrottled, kafkajs would send several MB/s here; the first seconds may run ahead by the burst the
    // window allows (quota.window.num - 1 windows), so the rate is measured after them.
    await sleep(WINDOWS * 1000);
    const from = bytesIn();
    const startedAt = Date.now();
    await sleep(5000);
    const rate = (bytesIn() - from) / ((Date.now() - startedAt) / 1000);
    console.error(`quota-throttle: enforced rate ${Math.round(rate)} B/s, quota ${RATE} B/s`);
    assert.ok(rate > RATE * 0.8 && rate < RATE * 1.2, `enforced rate ${Math.round(rate)} B/s, quota ${RATE} B/s`);
  } finally {
    stop = true;
    await sending.catch(() => {});
    await producer.disconnect();
  }
});

test('a client over its quota gets throttle_time_ms and its connection is muted for that long', { timeout: 60_000 }, async () => {
  const topic = 'quota-raw';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  // 1000 B/s for "raw-test": a 20 KB produce is far over it.
  const big = makeBatch(Array.from({ length: 20 }, (_, i) => ({ key: null, value: 'y'.repeat(1000) + i })));
  const first = await client.request<produceApi.ProduceResponse>(produceApi, 9, {
    transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: big }] }],
  });
  assert.equal(first.responses?.[0].partitionResponses?.[0].errorCode, 0, 'the produce itself succeeds');
  const throttle = first.throttleTimeMs ?? 0;
  assert.ok(throttle > 1000, `throttle_time_ms ${throttle}`);
  const t0 = Date.now();
  await client.request(apiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  assert.ok(Date.now() - t0 >= throttle * 0.8, `the next request waited ${Date.now() - t0} ms of the ${throttle} ms throttle`);
});
