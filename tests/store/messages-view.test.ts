// kafka.messages shows records as an application sees them: plain and committed transactional records,
// but neither transaction markers (control batches) nor records of aborted transactions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStores, record, batch } from './fixtures.ts';

test('kafka.messages leaves out transaction markers and aborted records', async () => {
  const { stores: [store] } = await openStores();
  const topic = await store.createTopic({ name: 'view-test', partitions: 1 });
  // Offsets: 0 plain; 1-2 transactional (producer 7, later aborted); 3 abort marker; 4 transactional (producer 8, committed); 5 commit marker.
  await store.append([{ topic, partition: 0, batches: [
    batch([record('plain')]),
    batch([record('aborted-1'), record('aborted-2', { offsetDelta: 1 })], { attributes: 0x10, producerId: 7, producerEpoch: 0, baseSequence: 0 }),
    batch([record('abort-marker')], { attributes: 0x30, producerId: 7, producerEpoch: 0 }),
    batch([record('committed')], { attributes: 0x10, producerId: 8, producerEpoch: 0, baseSequence: 0 }),
    batch([record('commit-marker')], { attributes: 0x30, producerId: 8, producerEpoch: 0 }),
  ] }]);
  await store.sql`insert into kafka.aborted_transactions (topic_id, partition, producer_id, first_offset, last_offset)
                  values (${topic.id}, 0, 7, 1, 3)`;
  const all = await store.sql<{ value: string }[]>`select value from kafka.records r where topic_id = ${topic.id} order by "offset"`;
  assert.equal(all.length, 6, 'kafka.records keeps every row');
  const rows = await store.sql<{ offset: number; value: string }[]>`
    select "offset", value from kafka.messages where topic = 'view-test' order by "offset"`;
  assert.deepEqual(rows.map((r) => [Number(r.offset), r.value]), [[0, 'plain'], [4, 'committed']]);
});
