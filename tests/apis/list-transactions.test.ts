// ListTransactions conformance: codec round trip of every version; all transactional ids, filtered by state and
// by producer id; unknown state names reported and matching nothing; v1's duration filter.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as listTransactions from '../../apis/list-transactions.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { addPartitions, initOk } from '../helpers/transactions.ts';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  await tb.store.createTopic({ name: 'lt', partitions: 1 });
});
after(async () => {
  client?.close();
  await tb?.stop();
});

async function list(o: { states?: string[]; producerIds?: number[]; durationMs?: number; version?: number } = {}) {
  return client.request<listTransactions.ListTransactionsResponse>(listTransactions, o.version ?? 1, {
    stateFilters: o.states ?? [],
    producerIdFilters: o.producerIds ?? [],
    durationFilter: o.durationMs ?? -1,
  });
}

const ids = (res: listTransactions.ListTransactionsResponse) => (res.transactionStates ?? []).map((t) => `${t.transactionalId}:${t.transactionState}`);

test('ListTransactions: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(listTransactions);
});

test('ListTransactions: filters by state, producer id and duration', async () => {
  const a = await initOk(client, 'lt-a');
  const b = await initOk(client, 'lt-b');
  assert.deepEqual(await addPartitions(client, 'lt-b', b, [{ name: 'lt', partitions: [0] }]), [0]);
  for (const version of [0, 1]) {
    const all = await list({ version });
    assert.equal(all.errorCode, 0);
    assert.deepEqual(ids(all), ['lt-a:Empty', 'lt-b:Ongoing'], `v${version}`);
  }
  assert.deepEqual(ids(await list({ states: ['Ongoing'] })), ['lt-b:Ongoing']);
  assert.deepEqual(ids(await list({ producerIds: [a.producerId] })), ['lt-a:Empty']);
  const unknown = await list({ states: ['Bogus'] });
  assert.deepEqual([unknown.unknownStateFilters, ids(unknown)], [['Bogus'], []]);
  const mixed = await list({ states: ['Bogus', 'Empty'] });
  assert.deepEqual([mixed.unknownStateFilters, ids(mixed)], [['Bogus'], ['lt-a:Empty']]);
  // v1: only transactions running longer than the duration (an Empty one has no start: it counts as long ago).
  assert.deepEqual(ids(await list({ states: ['Ongoing'], durationMs: 0 })), ['lt-b:Ongoing']);
  assert.deepEqual(ids(await list({ states: ['Ongoing'], durationMs: 3_600_000 })), []);
  assert.deepEqual(ids(await list({ states: ['Ongoing'], durationMs: 3_600_000, version: 0 })), ['lt-b:Ongoing'], 'v0 has no duration filter');
  assert.deepEqual(await list({ producerIds: [b.producerId] }).then((r) => r.transactionStates), [{ transactionalId: 'lt-b', producerId: b.producerId, transactionState: 'Ongoing' }]);
});
