// AddOffsetsToTxn conformance: codec round trip of every version; the group joins the transaction (which becomes
// Ongoing, also with no partition) and is forgotten when it ends; unknown transactional id and other producer id
// INVALID_PRODUCER_ID_MAPPING; a fenced epoch PRODUCER_FENCED from v2 (INVALID_PRODUCER_EPOCH before).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as addOffsetsToTxn from '../../apis/add-offsets-to-txn.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { addOffsets, endTxn, initOk, transactionState } from '../helpers/transactions.ts';

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

async function groupsOf(transactionalId: string): Promise<string[]> {
  const rows = await tb.store.sql<{ g: string }[]>`select group_id as g from kafka.transaction_groups where transactional_id = ${transactionalId} order by 1`;
  return rows.map((r) => r.g);
}

test('AddOffsetsToTxn: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(addOffsetsToTxn);
});

test('AddOffsetsToTxn v0-4: the group joins the transaction until it ends', async () => {
  for (let v = 0; v <= 4; v++) {
    const id = `aot-v${v}`;
    const p = await initOk(client, id);
    assert.equal(await addOffsets(client, id, p, 'g1', v), ErrorCode.NONE, `v${v}`);
    assert.equal(await addOffsets(client, id, p, 'g2', v), ErrorCode.NONE);
    assert.equal(await addOffsets(client, id, p, 'g1', v), ErrorCode.NONE, 'again');
    assert.equal((await transactionState(tb.store.sql, id))?.state, 'Ongoing');
    assert.deepEqual(await groupsOf(id), ['g1', 'g2']);
    assert.equal(await endTxn(client, id, p, true), ErrorCode.NONE, 'a transaction with offsets only commits');
    assert.deepEqual(await groupsOf(id), []);
  }
});

test('AddOffsetsToTxn: unknown transactional id, other producer id, fenced epoch', async () => {
  const p = await initOk(client, 'aot-errors');
  assert.equal(await addOffsets(client, 'aot-nobody', p, 'g'), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await addOffsets(client, 'aot-errors', { ...p, producerId: p.producerId + 5 }, 'g'), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  const stale = { ...p, producerEpoch: p.producerEpoch + 3 };
  assert.equal(await addOffsets(client, 'aot-errors', stale, 'g', 2), ErrorCode.PRODUCER_FENCED);
  assert.equal(await addOffsets(client, 'aot-errors', stale, 'g', 1), ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.deepEqual(await groupsOf('aot-errors'), []);
});
