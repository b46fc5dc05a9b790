// DescribeLogDirs conformance: codec round trip of every version; one log dir named after the database without
// credentials; every partition (topics null) or those asked for, unknown ones left out; sizes that grow with the
// records and split the table's size by record counts; offset lag 0, no future replicas; v3 top-level error code,
// v4 total bytes (the database's size) and usable bytes -1; @platformatic/kafka's admin.describeLogDirs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '@platformatic/kafka';
import * as describeLogDirs from '../../apis/describe-log-dirs.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeBatch, produceOne, sampleRecords } from '../helpers/data-path.ts';

type Res = describeLogDirs.DescribeLogDirsResponse;
type Req = describeLogDirs.DescribeLogDirsRequest;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'sized', partitions: 3 });
  await tb.store.createTopic({ name: 'empty', partitions: 1 });
  for (let i = 0; i < 3; i++) assert.equal((await produceOne(client, 9, 'sized', 0, makeBatch(sampleRecords(100, `p0-${i}`)))).errorCode, 0);
  assert.equal((await produceOne(client, 9, 'sized', 1, makeBatch(sampleRecords(100, 'p1')))).errorCode, 0);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const ask = (version: number, topics: Req['topics']) => client.request<Res>(describeLogDirs, version, { topics });
const sizes = (res: Res) => new Map((res.results?.[0].topics ?? []).flatMap((t) => (t.partitions ?? []).map((p) => [`${t.name}-${p.partitionIndex}`, p])));

test('DescribeLogDirs: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeLogDirs);
});

test('DescribeLogDirs v0-4: one log dir, the database, with every partition\'s estimated size', async () => {
  const url = new URL(tb.databaseUrl);
  for (let v = 0; v <= 4; v++) {
    const res = await ask(v, null);
    assert.equal(res.results?.length, 1, `v${v}`);
    const dir = res.results?.[0];
    assert.equal(dir?.errorCode, 0);
    assert.equal(dir?.logDir, `postgresql://${url.host}${url.pathname}`);
    assert.ok(!dir?.logDir?.includes(url.password || '\u0000'), 'no password in the log dir name');
    assert.equal(res.errorCode, 0);
    const s = sizes(res);
    // Every database also holds the internal __consumer_offsets (50 partitions), listed as Kafka lists it.
    assert.deepEqual([...s.keys()].filter((k) => !k.startsWith('__consumer_offsets-')).sort(), ['empty-0', 'sized-0', 'sized-1', 'sized-2']);
    assert.equal([...s.keys()].filter((k) => k.startsWith('__consumer_offsets-')).length, 50);
    const p0 = s.get('sized-0')?.partitionSize ?? 0;
    const p1 = s.get('sized-1')?.partitionSize ?? 0;
    assert.ok(p1 > 0, 'a partition with records has a size');
    assert.ok(Math.abs(p0 - 3 * p1) <= 3, `three times the records, three times the size (${p0} vs ${p1})`);
    assert.equal(s.get('sized-2')?.partitionSize, 0);
    assert.equal(s.get('empty-0')?.partitionSize, 0);
    for (const p of s.values()) {
      assert.equal(p.offsetLag, 0);
      assert.equal(p.isFutureKey, false);
    }
    if (v >= 4) {
      const [{ size }] = await tb.store.sql<{ size: string }[]>`select pg_database_size(current_database()) as size`;
      assert.ok((dir?.totalBytes ?? 0) > 0);
      assert.ok(Math.abs((dir?.totalBytes ?? 0) - Number(size)) < 50 * 1024 * 1024, 'about the database size');
      assert.equal(dir?.usableBytes, -1);
    } else {
      assert.equal(dir?.totalBytes, -1); // not on the wire before v4
    }
  }
});

test('DescribeLogDirs: only the partitions asked for; unknown topics and partitions are left out', async () => {
  const res = await ask(4, [{ topic: 'sized', partitions: [1, 2, 9] }, { topic: 'no-such', partitions: [0] }]);
  assert.deepEqual(res.results?.[0].topics?.map((t) => [t.name, t.partitions?.map((p) => p.partitionIndex)]), [['sized', [1, 2]]]);
  const none = await ask(4, []);
  assert.deepEqual(none.results?.[0].topics, []);
  assert.equal(none.results?.[0].errorCode, 0);
});

test('DescribeLogDirs: sizes follow the data', async () => {
  const before = sizes(await ask(4, [{ topic: 'sized', partitions: [2] }])).get('sized-2')?.partitionSize ?? 0;
  assert.equal((await produceOne(client, 9, 'sized', 2, makeBatch(sampleRecords(50, 'later')))).errorCode, 0);
  const after = sizes(await ask(4, [{ topic: 'sized', partitions: [2] }])).get('sized-2')?.partitionSize ?? 0;
  assert.ok(after > before, `${after} > ${before}`);
});

test('@platformatic/kafka: admin.describeLogDirs', async () => {
  const admin = new Admin({ clientId: 'describe-log-dirs-test', bootstrapBrokers: [tb.address], retries: 0 });
  try {
    const res = await admin.describeLogDirs({ topics: [{ name: 'sized', partitions: [0, 1] }] });
    assert.equal(res.length, 1);
    assert.equal(res[0].broker, tb.config.nodeId);
    const topics = res[0].results[0].topics;
    assert.deepEqual(topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [['sized', [0, 1]]]);
    assert.ok(topics[0].partitions.every((p) => Number(p.partitionSize) > 0));
  } finally {
    await admin.close();
  }
});
