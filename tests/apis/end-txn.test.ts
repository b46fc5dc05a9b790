// EndTxn conformance: codec round trip of every version; commit writes a COMMIT marker to every partition of the
// transaction (also one without data) and abort an ABORT marker plus an aborted-transaction entry; the markers
// hold the producer's id and epoch; the transaction's partitions are forgotten; a repeated result is NONE, the
// other result INVALID_TXN_STATE; no transaction INVALID_TXN_STATE; another producer id INVALID_PRODUCER_ID_MAPPING;
// a fenced epoch PRODUCER_FENCED from v2 (INVALID_PRODUCER_EPOCH before).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as endTxnApi from '../../apis/end-txn.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { addPartitions, endTxn, initOk, produceBatch, records, storedMarkers, storedRows, transactionState } from '../helpers/transactions.ts';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('EndTxn: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(endTxnApi);
});

for (const commit of [true, false]) {
  test(`EndTxn: ${commit ? 'commit' : 'abort'} writes a marker to every partition of the transaction`, async () => {
    const topic = `end-${commit ? 'commit' : 'abort'}`;
    await tb.store.createTopic({ name: topic, partitions: 3 });
    const id = `end-${topic}`;
    const p = await initOk(client, id);
    assert.deepEqual(await addPartitions(client, id, p, [{ name: topic, partitions: [0, 1] }]), [0, 0]);
    assert.equal((await produceBatch(client, topic, 0, records(3, 'x'), { ...p, baseSequence: 0, transactional: true, transactionalId: id })).errorCode, 0);
    assert.equal(await endTxn(client, id, p, commit), ErrorCode.NONE);
    const type = commit ? 'commit' : 'abort';
    assert.deepEqual(await storedMarkers(tb.store.sql, topic, 0), [{ offset: 3, type, ...p }]);
    assert.deepEqual(await storedMarkers(tb.store.sql, topic, 1), [{ offset: 0, type, ...p }], 'also where nothing was written');
    assert.deepEqual(await storedMarkers(tb.store.sql, topic, 2), []);
    assert.deepEqual(await transactionState(tb.store.sql, id), { state: commit ? 'CompleteCommit' : 'CompleteAbort', ...p });
    const [{ n }] = await tb.store.sql<{ n: number }[]>`select count(*)::int as n from kafka.transaction_partitions where transactional_id = ${id}`;
    assert.equal(n, 0);
    const aborted = await tb.store.sql<{ producerId: number; first: number; last: number; partition: number }[]>`
      select a.producer_id as "producerId", a.first_offset as first, a.last_offset as last, a.partition
      from kafka.aborted_transactions a join kafka.topics t on t.id = a.topic_id where t.name = ${topic}`;
    assert.deepEqual(aborted.map((a) => [Number(a.producerId), Number(a.first), Number(a.last), a.partition]), commit ? [] : [[p.producerId, 0, 3, 0]]);
    // No transaction is open any more: nothing holds the last stable offset back.
    assert.equal((await tb.store.offsets((await tb.store.getTopics([topic])).get(topic)!, 0)).lastStableOffset, undefined);

    // Retries and the other result.
    assert.equal(await endTxn(client, id, p, commit), ErrorCode.NONE, 'a retry');
    assert.equal(await endTxn(client, id, p, !commit), ErrorCode.INVALID_TXN_STATE);
    assert.equal((await storedRows(tb.store.sql, topic, 0)).length, 4, 'the retry wrote nothing');
  });
}

test('EndTxn: no transaction, another producer id, a fenced epoch', async () => {
  const p = await initOk(client, 'end-errors');
  assert.equal(await endTxn(client, 'end-errors', p, true), ErrorCode.INVALID_TXN_STATE, 'Empty');
  assert.equal(await endTxn(client, 'end-nobody', p, true), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await endTxn(client, 'end-errors', { ...p, producerId: p.producerId + 1 }, true), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  const stale = { ...p, producerEpoch: p.producerEpoch - 1 };
  for (let v = 0; v <= 4; v++) {
    assert.equal(await endTxn(client, 'end-errors', stale, false, v), v >= 2 ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH, `v${v}`);
  }
  assert.equal(await endTxn(client, '', p, true), ErrorCode.INVALID_REQUEST);
});
