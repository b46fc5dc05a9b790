// int64 extremes (min, max, ±(2^53+1)) in every API that takes an int64: each gets a Kafka answer on a connection
// that stays open, stored values come back exactly, and the codec reads and writes them without rounding.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as listOffsetsApi from '../../apis/list-offsets.ts';
import * as deleteRecordsApi from '../../apis/delete-records.ts';
import * as offsetCommitApi from '../../apis/offset-commit.ts';
import * as offsetFetchApi from '../../apis/offset-fetch.ts';
import * as listTransactionsApi from '../../apis/list-transactions.ts';
import * as initProducerIdApi from '../../apis/init-producer-id.ts';
import * as addPartitionsApi from '../../apis/add-partitions-to-txn.ts';
import * as addOffsetsApi from '../../apis/add-offsets-to-txn.ts';
import * as endTxnApi from '../../apis/end-txn.ts';
import * as txnOffsetCommitApi from '../../apis/txn-offset-commit.ts';
import * as produceApi from '../../apis/produce.ts';
import * as fetchApi from '../../apis/fetch.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { INT64_MAX, INT64_MIN, type Int64 } from '../../codec/int64.ts';
import { Reader } from '../../codec/reader.ts';
import { Writer } from '../../codec/writer.ts';
import { encodeBatch } from '../../codec/record-batch.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, fetchRequest, flatten, makeBatch, produceOne } from '../helpers/data-path.ts';
import { initOk } from '../helpers/transactions.ts';
import type { Topic } from '../../store/types.ts';

/** The extremes every int64 field gets. */
const EXTREMES: readonly bigint[] = [INT64_MIN, INT64_MAX, 2n ** 53n + 1n, -(2n ** 53n + 1n)];
const BEYOND_SAFE_MAX = 2n ** 53n + 1n;

let tb: TestBroker;
let client: RawClient;
let topic: Topic;
let firstTimestamp: number;
const errors: string[] = [];

before(async () => {
  tb = await startTestBroker({}, { onLog: (line) => { if (/ ERROR /.test(line)) errors.push(line); } });
  client = await RawClient.connect(tb.port);
  topic = await tb.store.createTopic({ name: 'i64', partitions: 1 });
  firstTimestamp = Date.now();
  const records = [0, 1, 2].map((i) => ({ key: `k${i}`, value: `v${i}`, timestamp: firstTimestamp + i }));
  assert.equal((await produceOne(client, 9, 'i64', 0, makeBatch(records))).errorCode, ErrorCode.NONE);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

/** Every request below is answered on the same connection: it must still be open at the end of each test. */
function assertOpen(): void {
  assert.equal(client.isClosed, false, 'the connection was closed');
}

test('codec: int64 reads exactly (a number while safe, else a bigint) and writes both', () => {
  for (const v of [...EXTREMES, 0n, -1n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, -(2n ** 53n)]) {
    const w = new Writer();
    w.int64(v);
    const safe = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
    if (safe) w.int64(Number(v));
    const r = new Reader(w.bytes());
    const read = r.int64();
    assert.equal(typeof read, safe ? 'number' : 'bigint', String(v));
    assert.equal(BigInt(read), v);
    if (safe) assert.equal(r.int64(), Number(v));
    const vw = new Writer();
    vw.varlong(Number(v));
    if (safe) assert.equal(BigInt(new Reader(vw.bytes()).varlong()), v);
  }
});

async function listOffset(timestamp: Int64, version = 9) {
  const res = await client.request<listOffsetsApi.ListOffsetsResponse>(listOffsetsApi, version, {
    replicaId: -1, isolationLevel: 0, timeoutMs: 1000,
    topics: [{ name: 'i64', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
  });
  const p = res.topics?.[0]?.partitions?.[0];
  return [p?.errorCode, p?.offset, p?.timestamp];
}

test('ListOffsets: huge timestamps are timestamp look-ups (none after, the first record before)', async () => {
  for (const ts of [INT64_MAX, BEYOND_SAFE_MAX]) assert.deepEqual(await listOffset(ts), [0, -1, -1], String(ts));
  for (const ts of [INT64_MIN, -(BEYOND_SAFE_MAX)]) assert.deepEqual(await listOffset(ts), [0, 0, firstTimestamp], String(ts));
  assertOpen();
});

test('DeleteRecords: offsets beyond the high watermark or below -1 are OFFSET_OUT_OF_RANGE', async () => {
  for (const offset of EXTREMES) {
    const res = await client.request<deleteRecordsApi.DeleteRecordsResponse>(deleteRecordsApi, 2, {
      topics: [{ name: 'i64', partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 1000,
    });
    assert.equal(res.topics?.[0]?.partitions?.[0]?.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, String(offset));
  }
  assertOpen();
});

test('OffsetCommit / OffsetFetch: any int64 offset is stored and fetched exactly; huge commit timestamps and retention times are answered', async () => {
  for (const [i, offset] of EXTREMES.entries()) {
    for (const version of [1, 2, 9]) {
      const groupId = `i64-${i}-v${version}`;
      const res = await client.request<offsetCommitApi.OffsetCommitResponse>(offsetCommitApi, version, {
        groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
        retentionTimeMs: version === 2 ? offset : -1,
        topics: [{ name: 'i64', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: version === 1 ? offset : -1, committedMetadata: '' }] }],
      });
      assert.equal(res.topics?.[0]?.partitions?.[0]?.errorCode, ErrorCode.NONE, `${groupId}: ${offset}`);
      const fetched = await client.request<offsetFetchApi.OffsetFetchResponse>(offsetFetchApi, 9, {
        groupId: '', topics: null, requireStable: false,
        groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: 'i64', partitionIndexes: [0] }] }],
      });
      assert.equal(fetched.groups?.[0]?.topics?.[0]?.partitions?.[0]?.committedOffset, offset, groupId);
      const [row] = await tb.store.sql<{ offset: string; expire: string | null }[]>`
        select committed_offset::text as offset, expire_timestamp::text as expire from kafka.group_offsets where group_id = ${groupId}`;
      assert.equal(row.offset, String(offset));
      // v2's retention time: now + retention, kept within int64 (Long.MAX_VALUE: for ever); negative: the default.
      if (version === 2 && offset === INT64_MAX) assert.equal(row.expire, String(INT64_MAX));
      if (version === 2 && offset === BEYOND_SAFE_MAX) assert.ok(BigInt(row.expire as string) > offset, `${row.expire}`);
      if (version === 2 && offset < 0n) assert.equal(row.expire, null);
    }
  }
  assertOpen();
});

test('ListTransactions v1: huge duration filters and producer id filters', async () => {
  const p = await initOk(client, 'i64-txn');
  const list = async (durationFilter: Int64, producerIdFilters: Int64[] = []) => {
    const res = await client.request<listTransactionsApi.ListTransactionsResponse>(listTransactionsApi, 1, { stateFilters: [], producerIdFilters, durationFilter });
    assert.equal(res.errorCode, ErrorCode.NONE);
    return (res.transactionStates ?? []).map((s) => s.transactionalId);
  };
  // Running longer than ~285,000 years: none. A negative duration: no filter.
  for (const d of [INT64_MAX, BEYOND_SAFE_MAX]) assert.deepEqual(await list(d), [], String(d));
  for (const d of [INT64_MIN, -BEYOND_SAFE_MAX]) assert.deepEqual(await list(d), ['i64-txn'], String(d));
  // A producer id no broker assigned matches nothing (and is not taken for "no filter").
  for (const id of EXTREMES) assert.deepEqual(await list(-1, [id]), [], String(id));
  assert.deepEqual(await list(-1, [INT64_MAX, p.producerId]), ['i64-txn']);
  assertOpen();
});

test('InitProducerId and the transaction APIs: huge producer ids are never a producer of the transactional id', async () => {
  const p = await initOk(client, 'i64-ids');
  for (const producerId of EXTREMES) {
    const init = await client.request<initProducerIdApi.InitProducerIdResponse>(initProducerIdApi, 5, {
      transactionalId: 'i64-ids', transactionTimeoutMs: 60_000, producerId, producerEpoch: 0,
    });
    assert.equal(init.errorCode, ErrorCode.PRODUCER_FENCED, `InitProducerId ${producerId}`);
    const idempotent = await client.request<initProducerIdApi.InitProducerIdResponse>(initProducerIdApi, 5, {
      transactionalId: null, transactionTimeoutMs: 60_000, producerId, producerEpoch: 0,
    });
    assert.ok([ErrorCode.NONE, ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH].includes(idempotent.errorCode as 0), `idempotent ${producerId}: ${idempotent.errorCode}`);

    const added = await client.request<addPartitionsApi.AddPartitionsToTxnResponse>(addPartitionsApi, 3, {
      transactions: [], v3AndBelowTransactionalId: 'i64-ids', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: p.producerEpoch,
      v3AndBelowTopics: [{ name: 'i64', partitions: [0] }],
    });
    assert.equal(added.resultsByTopicV3AndBelow?.[0]?.resultsByPartition?.[0]?.partitionErrorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const batched = await client.request<addPartitionsApi.AddPartitionsToTxnResponse>(addPartitionsApi, 4, {
      transactions: [{ transactionalId: 'i64-ids', producerId, producerEpoch: p.producerEpoch, verifyOnly: true, topics: [{ name: 'i64', partitions: [0] }] }],
      v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [],
    });
    const verified = batched.resultsByTransaction?.[0]?.topicResults?.[0]?.resultsByPartition?.[0]?.partitionErrorCode;
    assert.equal(verified, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const offsets = await client.request<addOffsetsApi.AddOffsetsToTxnResponse>(addOffsetsApi, 3, {
      transactionalId: 'i64-ids', producerId, producerEpoch: p.producerEpoch, groupId: 'i64-g',
    });
    assert.equal(offsets.errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const ended = await client.request<endTxnApi.EndTxnResponse>(endTxnApi, 3, {
      transactionalId: 'i64-ids', producerId, producerEpoch: p.producerEpoch, committed: true,
    });
    assert.equal(ended.errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const committed = await client.request<txnOffsetCommitApi.TxnOffsetCommitResponse>(txnOffsetCommitApi, 3, {
      transactionalId: 'i64-ids', groupId: 'i64-g', producerId, producerEpoch: p.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'i64', partitions: [{ partitionIndex: 0, committedOffset: producerId, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    assert.equal(committed.topics?.[0]?.partitions?.[0]?.errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  }
  assertOpen();
});

test('TxnOffsetCommit: any int64 offset is committed exactly with the transaction', async () => {
  for (const [i, offset] of EXTREMES.entries()) {
    const tid = `i64-txo-${i}`;
    const groupId = `i64-txo-g${i}`;
    const p = await initOk(client, tid);
    const added = await client.request<addOffsetsApi.AddOffsetsToTxnResponse>(addOffsetsApi, 3, { transactionalId: tid, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId });
    assert.equal(added.errorCode, ErrorCode.NONE);
    const committed = await client.request<txnOffsetCommitApi.TxnOffsetCommitResponse>(txnOffsetCommitApi, 3, {
      transactionalId: tid, groupId, producerId: p.producerId, producerEpoch: p.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'i64', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    assert.equal(committed.topics?.[0]?.partitions?.[0]?.errorCode, ErrorCode.NONE);
    const ended = await client.request<endTxnApi.EndTxnResponse>(endTxnApi, 3, { transactionalId: tid, producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true });
    assert.equal(ended.errorCode, ErrorCode.NONE);
    const fetched = await client.request<offsetFetchApi.OffsetFetchResponse>(offsetFetchApi, 9, {
      groupId: '', topics: null, requireStable: true,
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: 'i64', partitionIndexes: [0] }] }],
    });
    assert.equal(fetched.groups?.[0]?.topics?.[0]?.partitions?.[0]?.committedOffset, offset);
  }
  assertOpen();
});

test('Fetch: huge fetch offsets are OFFSET_OUT_OF_RANGE', async () => {
  for (const offset of EXTREMES) {
    const body = fetchRequest(12, topic, [{ partition: 0, offset: 0 }]);
    body.topics[0].partitions[0].fetchOffset = offset;
    const res = await client.request<fetchApi.FetchResponse>(fetchApi, 12, body);
    const p = res.responses?.[0]?.partitions?.[0];
    assert.equal(p?.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, String(offset));
  }
  assertOpen();
});

function batch(o: { baseTimestamp: Int64; producerId?: Int64; producerEpoch?: number; baseSequence?: number }): Uint8Array {
  return encodeBatch({
    baseOffset: 0, baseTimestamp: o.baseTimestamp, producerId: o.producerId ?? -1, producerEpoch: o.producerEpoch ?? -1, baseSequence: o.baseSequence ?? -1,
    records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: new Uint8Array([1]) }],
  });
}

async function produce(records: Uint8Array) {
  const res = await client.request<produceApi.ProduceResponse>(produceApi, 9, {
    transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'i64', partitionData: [{ index: 0, records }] }],
  });
  return res.responses?.[0]?.partitionResponses?.[0];
}

test('Produce: timestamps and producer ids beyond 2^53 are refused (INVALID_TIMESTAMP, UNKNOWN_PRODUCER_ID); the largest safe ones are stored exactly', async () => {
  for (const ts of EXTREMES) assert.equal((await produce(batch({ baseTimestamp: ts })))?.errorCode, ErrorCode.INVALID_TIMESTAMP, String(ts));
  for (const id of EXTREMES) {
    const answer = await produce(batch({ baseTimestamp: Date.now(), producerId: id, producerEpoch: 0, baseSequence: 0 }));
    assert.equal(answer?.errorCode, ErrorCode.UNKNOWN_PRODUCER_ID, String(id));
  }
  for (const ts of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    const answer = await produce(batch({ baseTimestamp: ts }));
    assert.equal(answer?.errorCode, ErrorCode.NONE);
    const offset = Number(answer?.baseOffset);
    const fetched = flatten((await fetchOne(client, 12, topic, 0, offset)).batches);
    assert.equal(fetched[0].timestamp, ts);
    const [row] = await tb.store.sql<{ ts: string }[]>`select timestamp::text as ts from kafka.records where topic_id = ${topic.id} and "offset" = ${offset}`;
    assert.equal(row.ts, String(ts));
  }
  assert.deepEqual(await listOffset(Number.MAX_SAFE_INTEGER), [0, 3, Number.MAX_SAFE_INTEGER]);
  assert.deepEqual(await listOffset(BEYOND_SAFE_MAX), [0, -1, -1]);
  assertOpen();
});

test('no ERROR line (no SQL error) was logged by any of the above', () => {
  assert.deepEqual(errors, []);
});
