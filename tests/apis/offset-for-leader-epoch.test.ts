// OffsetForLeaderEpoch conformance: codec round trip of every version; epoch 0 (the only one) ends at the high
// watermark; later and undefined epochs get -1/-1, earlier ones the log start; currentLeaderEpoch fencing
// (FENCED_LEADER_EPOCH below, UNKNOWN_LEADER_EPOCH above); unknown topics and partitions.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as offsetForLeaderEpoch from '../../apis/offset-for-leader-epoch.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeBatch, produceOne, sampleRecords } from '../helpers/data-path.ts';

type Res = offsetForLeaderEpoch.OffsetForLeaderEpochResponse;
type Part = { partition: number; currentLeaderEpoch?: number; leaderEpoch: number };

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'epochs', partitions: 2 });
  assert.equal((await produceOne(client, 9, 'epochs', 0, makeBatch(sampleRecords(5)))).errorCode, 0);
  assert.equal((await produceOne(client, 9, 'epochs', 0, makeBatch(sampleRecords(2)))).errorCode, 0);
  const topic = (await tb.store.getTopics(['epochs'])).get('epochs');
  assert.ok(topic);
  await tb.store.sql`update kafka.partitions set log_start_offset = 3 where topic_id = ${topic.id} and partition = 0`;
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const ask = (version: number, topic: string, partitions: Part[]) =>
  client.request<Res>(offsetForLeaderEpoch, version, {
    replicaId: -1,
    topics: [{ topic, partitions: partitions.map((p) => ({ currentLeaderEpoch: -1, ...p })) }],
  });
const answers = (res: Res) => res.topics?.[0].partitions?.map((p) => [p.partition, p.errorCode, p.leaderEpoch, p.endOffset]);

test('OffsetForLeaderEpoch: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(offsetForLeaderEpoch);
});

test('OffsetForLeaderEpoch v0-4: epoch 0 ends at the high watermark; later and undefined epochs are unknown', async () => {
  for (let v = 0; v <= 4; v++) {
    const res = await ask(v, 'epochs', [
      { partition: 0, leaderEpoch: 0 },
      { partition: 1, leaderEpoch: 0 },
      { partition: 0, leaderEpoch: 3 },
      { partition: 0, leaderEpoch: -1 },
      { partition: 0, leaderEpoch: -4 },
    ]);
    const epoch = (e: number) => (v >= 1 ? e : -1); // no epoch in v0 answers
    assert.deepEqual(answers(res), [
      [0, 0, epoch(0), 7],
      [1, 0, epoch(0), 0],
      [0, 0, -1, -1],
      [0, 0, -1, -1],
      [0, 0, epoch(-4), 3], // an epoch before the first: where the first (ours) starts, the log start
    ], `v${v}`);
  }
});

test('OffsetForLeaderEpoch v2+: currentLeaderEpoch below ours is fenced, above ours unknown', async () => {
  for (const v of [2, 3, 4]) {
    const res = await ask(v, 'epochs', [
      { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: -2, leaderEpoch: 0 },
    ]);
    assert.deepEqual(res.topics?.[0].partitions?.map((p) => p.errorCode), [0, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.FENCED_LEADER_EPOCH], `v${v}`);
  }
});

test('OffsetForLeaderEpoch: unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const res = await client.request<Res>(offsetForLeaderEpoch, 4, {
    replicaId: -1,
    topics: [
      { topic: 'no-such', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] },
      { topic: 'epochs', partitions: [{ partition: 2, currentLeaderEpoch: -1, leaderEpoch: 0 }, { partition: -1, currentLeaderEpoch: -1, leaderEpoch: 0 }] },
    ],
  });
  assert.deepEqual(res.topics?.map((t) => [t.topic, t.partitions?.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset])]), [
    ['no-such', [[ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1]]],
    ['epochs', [[ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1]]],
  ]);
});
