// The first records of a topic created right after bulk work: a Fetch long poll on the new topic (parked before
// its first record, as a consumer at `-o end` is) is woken by the first append, not by the end of its wait, even
// right after a large produce and read of another topic (read-ahead entries, append queue, topic cache all used).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as metadata from '../../apis/metadata.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, flatten, makeBatch, produceOne } from '../helpers/data-path.ts';
import { sleep } from '../helpers/eventually.ts';

let b: TestBroker;
let client: RawClient;
before(async () => {
  b = await startTestBroker();
  client = await RawClient.connect(b.port);
});
after(async () => {
  client?.close();
  await b?.stop();
});

test('a long poll on a topic created right after bulk work is woken by its first append', async () => {
  const bulk = await b.store.createTopic({ name: 'bulk', partitions: 1 });
  const value = 'v'.repeat(1024);
  const BATCHES = 40;
  const PER_BATCH = 500;
  for (let i = 0; i < BATCHES; i++) {
    const res = await produceOne(client, 9, bulk.name, 0, makeBatch(Array.from({ length: PER_BATCH }, () => ({ key: null, value }))));
    assert.equal(res.errorCode, 0);
  }
  for (let offset = 0; offset < BATCHES * PER_BATCH;) {
    const { partition, batches } = await fetchOne(client, 12, bulk, 0, offset, { maxBytes: 1024 * 1024 });
    assert.equal(partition.errorCode, 0);
    const records = flatten(batches).filter((r) => r.offset >= offset);
    assert.ok(records.length > 0, `records at ${offset}`);
    offset = records[records.length - 1].offset + 1;
  }

  // A new topic, found through Metadata as a client would, then a long poll parked on its empty partition.
  const created = await b.store.createTopic({ name: 'fresh', partitions: 1 });
  const md = await client.request<metadata.MetadataResponse>(metadata, 12, {
    topics: [{ name: 'fresh', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false,
  });
  assert.equal(md.topics?.[0]?.errorCode, 0);
  const consumer = await RawClient.connect(b.port);
  try {
    // Fetch v12 (by name) before the first record, then v13 (by topic id) after it.
    for (const [version, offset] of [[12, 0], [13, 1]] as const) {
      const polled = fetchOne(consumer, version, created, 0, offset, { maxWaitMs: 20_000 });
      await sleep(300);
      const started = Date.now();
      const res = await produceOne(client, 9, created.name, 0, makeBatch([{ key: null, value: `record-${offset}` }]));
      assert.equal(res.errorCode, 0);
      assert.equal(res.baseOffset, offset);
      const { partition, batches } = await polled;
      assert.equal(partition.errorCode, 0);
      assert.deepEqual(flatten(batches).map((r) => r.value), [`record-${offset}`]);
      assert.ok(Date.now() - started < 10_000, 'woken by the append, not by the end of the 20 s wait');
    }
  } finally {
    consumer.close();
  }
});
