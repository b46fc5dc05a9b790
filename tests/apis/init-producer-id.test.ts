// InitProducerId conformance: codec round trip of every version; idempotent producers get fresh ids with epoch 0;
// a transactional id keeps its producer id and each initialisation bumps the epoch, fencing the older producer
// (PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before); an ongoing transaction is aborted under a bumped epoch
// and answered CONCURRENT_TRANSACTIONS; KIP-360 resumption with the current id and epoch, and its retry; an
// exhausted epoch rotates the producer id; invalid timeouts and ids.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as initProducerId from '../../apis/init-producer-id.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import {
  addPartitions,
  endTxn,
  initOk,
  initProducerId as init,
  produceBatch,
  records,
  storedMarkers,
  transactionState,
} from '../helpers/transactions.ts';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ transactionMaxTimeoutMs: 120_000 });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('InitProducerId: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(initProducerId);
});

test('InitProducerId: idempotent producers get a new producer id with epoch 0 at every version', async () => {
  const ids = new Set<number>();
  for (let v = 0; v <= 5; v++) {
    const res = await init(client, null, { version: v });
    assert.equal(res.errorCode, ErrorCode.NONE, `v${v}`);
    assert.equal(res.producerEpoch, 0);
    assert.ok((res.producerId as number) >= 0);
    ids.add(res.producerId as number);
  }
  // KIP-360: an idempotent producer asking again with its id and epoch gets a new id as well.
  const again = await init(client, null, { version: 5, producerId: [...ids][0], producerEpoch: 0 });
  assert.equal(again.errorCode, ErrorCode.NONE);
  ids.add(again.producerId as number);
  assert.equal(ids.size, 7, 'all distinct');
});

test('InitProducerId: a transactional id keeps its producer id; each initialisation bumps the epoch', async () => {
  const first = await init(client, 'tx-bump');
  assert.equal(first.errorCode, ErrorCode.NONE);
  assert.equal(first.producerEpoch, 0);
  for (let epoch = 1; epoch <= 3; epoch++) {
    const next = await init(client, 'tx-bump');
    assert.deepEqual([next.errorCode, next.producerId, next.producerEpoch], [ErrorCode.NONE, first.producerId, epoch]);
  }
  assert.deepEqual(await transactionState(tb.store.sql, 'tx-bump'), { state: 'Empty', producerId: first.producerId, producerEpoch: 3 });
});

test('InitProducerId: invalid transaction timeouts and an empty transactional id', async () => {
  assert.equal((await init(client, 'tx-timeout', { timeoutMs: 120_001 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await init(client, 'tx-timeout', { timeoutMs: 0 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await init(client, '')).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await init(client, 'tx-timeout', { version: 3, producerId: 5, producerEpoch: -1 })).errorCode, ErrorCode.INVALID_REQUEST);
});

test('InitProducerId: re-initialising fences the older producer (PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before)', async () => {
  const topic = 'init-fence';
  await tb.store.createTopic({ name: topic, partitions: 1 });
  const old = await initOk(client, 'tx-fence');
  const current = await initOk(client, 'tx-fence');
  assert.equal(current.producerEpoch, old.producerEpoch + 1);
  assert.deepEqual(await addPartitions(client, 'tx-fence', old, [{ name: topic, partitions: [0] }], 3), [ErrorCode.PRODUCER_FENCED]);
  assert.deepEqual(await addPartitions(client, 'tx-fence', old, [{ name: topic, partitions: [0] }], 1), [ErrorCode.INVALID_PRODUCER_EPOCH]);
  assert.equal(await endTxn(client, 'tx-fence', old, true, 3), ErrorCode.PRODUCER_FENCED);
  // KIP-360 resumption with a fenced epoch.
  for (const [version, code] of [[4, ErrorCode.PRODUCER_FENCED], [3, ErrorCode.INVALID_PRODUCER_EPOCH]] as const) {
    const res = await init(client, 'tx-fence', { version, ...old });
    assert.equal(res.errorCode, code, `v${version}`);
  }
  // Another producer id is fenced too.
  assert.equal((await init(client, 'tx-fence', { version: 5, producerId: current.producerId + 1000, producerEpoch: 0 })).errorCode, ErrorCode.PRODUCER_FENCED);
});

test('InitProducerId: KIP-360 resumption with the current epoch bumps it; a retry of that bump gets the same epoch', async () => {
  const p = await initOk(client, 'tx-resume');
  const resumed = await init(client, 'tx-resume', { version: 4, ...p });
  assert.deepEqual([resumed.errorCode, resumed.producerId, resumed.producerEpoch], [ErrorCode.NONE, p.producerId, p.producerEpoch + 1]);
  const retried = await init(client, 'tx-resume', { version: 4, ...p });
  assert.deepEqual([retried.errorCode, retried.producerEpoch], [ErrorCode.NONE, p.producerEpoch + 1], 'the answer of the lost bump again');
});

test('InitProducerId: an ongoing transaction is aborted under a bumped epoch and the client told to retry', async () => {
  const topic = 'init-ongoing';
  await tb.store.createTopic({ name: topic, partitions: 2 });
  const old = await initOk(client, 'tx-ongoing');
  assert.deepEqual(await addPartitions(client, 'tx-ongoing', old, [{ name: topic, partitions: [0, 1] }]), [0, 0]);
  assert.equal((await produceBatch(client, topic, 0, records(2, 'open'), { ...old, baseSequence: 0, transactional: true, transactionalId: 'tx-ongoing' })).errorCode, 0);

  const busy = await init(client, 'tx-ongoing');
  assert.equal(busy.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  // The abort happened under epoch + 1, on every partition of the transaction.
  for (const partition of [0, 1]) {
    assert.deepEqual(await storedMarkers(tb.store.sql, topic, partition), [{ offset: partition === 0 ? 2 : 0, type: 'abort', producerId: old.producerId, producerEpoch: old.producerEpoch + 1 }]);
  }
  assert.deepEqual(await transactionState(tb.store.sql, 'tx-ongoing'), { state: 'CompleteAbort', producerId: old.producerId, producerEpoch: old.producerEpoch + 1 });
  const next = await init(client, 'tx-ongoing');
  assert.deepEqual([next.errorCode, next.producerId, next.producerEpoch], [ErrorCode.NONE, old.producerId, old.producerEpoch + 2]);
  // The old producer's records are refused in the partitions the marker went to.
  const stale = await produceBatch(client, topic, 0, records(1, 'late'), { ...old, baseSequence: 2 });
  assert.equal(stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
});

test('InitProducerId: an exhausted epoch rotates to a new producer id with epoch 0', async () => {
  const p = await initOk(client, 'tx-exhaust');
  await tb.store.sql`update kafka.transactions set producer_epoch = 32766 where transactional_id = 'tx-exhaust'`;
  const rotated = await init(client, 'tx-exhaust');
  assert.equal(rotated.errorCode, ErrorCode.NONE);
  assert.notEqual(rotated.producerId, p.producerId);
  assert.equal(rotated.producerEpoch, 0);
  const [row] = await tb.store.sql<{ last: number }[]>`select last_producer_id as last from kafka.transactions where transactional_id = 'tx-exhaust'`;
  assert.equal(Number(row.last), p.producerId);
});
