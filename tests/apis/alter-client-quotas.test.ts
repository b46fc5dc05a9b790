// AlterClientQuotas conformance: codec round trip of every version; at every version quotas are set, replaced
// and removed for named and default user / client-id entities (DescribeClientQuotas shows them, a second broker on
// the database enforces them); invalid entries (unknown entity type or key, a type or key given twice, a value
// Kafka refuses) get INVALID_REQUEST and change nothing while valid entries of the same request apply;
// validateOnly changes nothing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as alterQuotas from '../../apis/alter-client-quotas.ts';
import * as describeQuotas from '../../apis/describe-client-quotas.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { quotaManager } from '../../runtime/quotas.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { until } from '../helpers/eventually.ts';

type Entity = { entityType: string; entityName: string | null }[];
type Op = { key: string; value: number; remove: boolean };

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

async function alter(version: number, entries: { entity: Entity; ops: Op[] }[], validateOnly = false) {
  return client.request<alterQuotas.AlterClientQuotasResponse>(alterQuotas, version, { entries, validateOnly });
}

/** Every quota as "type=name|type=name key=value" lines, sorted (default names as <default>). */
async function everything(): Promise<string[]> {
  const res = await client.request<describeQuotas.DescribeClientQuotasResponse>(describeQuotas, 1, { components: [], strict: false });
  assert.equal(res.errorCode, 0);
  return (res.entries ?? []).flatMap((e) => {
    const entity = (e.entity ?? []).map((x) => `${x.entityType}=${x.entityName ?? '<default>'}`).sort().join('|');
    return (e.values ?? []).map((v) => `${entity} ${v.key}=${v.value}`);
  }).sort();
}

const set = (key: string, value: number): Op => ({ key, value, remove: false });
const remove = (key: string): Op => ({ key, value: 0, remove: true });

test('AlterClientQuotas: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(alterQuotas);
});

test('AlterClientQuotas: set, replace and remove quotas of named and default entities, at every version', async () => {
  for (const v of [0, 1]) {
    const user = `alice-v${v}`;
    const res = await alter(v, [
      { entity: [{ entityType: 'user', entityName: user }], ops: [set('producer_byte_rate', 1024), set('request_percentage', 50.5)] },
      { entity: [{ entityType: 'user', entityName: user }, { entityType: 'client-id', entityName: null }], ops: [set('consumer_byte_rate', 2048)] },
    ]);
    assert.deepEqual(res.entries?.map((e) => [e.errorCode, e.errorMessage]), [[0, null], [0, null]], `v${v}`);
    let all = await everything();
    assert.ok(all.includes(`user=${user} producer_byte_rate=1024`), `v${v}: ${all.join(', ')}`);
    assert.ok(all.includes(`user=${user} request_percentage=50.5`));
    assert.ok(all.includes(`client-id=<default>|user=${user} consumer_byte_rate=2048`));

    assert.deepEqual((await alter(v, [{ entity: [{ entityType: 'user', entityName: user }], ops: [set('producer_byte_rate', 4096), remove('request_percentage')] }])).entries?.map((e) => e.errorCode), [0]);
    all = await everything();
    assert.ok(all.includes(`user=${user} producer_byte_rate=4096`));
    assert.ok(!all.some((l) => l.startsWith(`user=${user} request_percentage`)), 'removed');
  }
});

test('AlterClientQuotas: invalid entries get INVALID_REQUEST and change nothing; valid ones in the same request apply', async () => {
  const before = await everything();
  const res = await alter(1, [
    { entity: [{ entityType: 'group', entityName: 'g' }], ops: [set('producer_byte_rate', 1)] },
    { entity: [], ops: [set('producer_byte_rate', 1)] },
    { entity: [{ entityType: 'user', entityName: 'x' }, { entityType: 'user', entityName: 'y' }], ops: [set('producer_byte_rate', 1)] },
    { entity: [{ entityType: 'user', entityName: 'x' }], ops: [set('no_such_quota', 1)] },
    { entity: [{ entityType: 'user', entityName: 'x' }], ops: [set('producer_byte_rate', 1.5)] },
    { entity: [{ entityType: 'user', entityName: 'x' }], ops: [set('consumer_byte_rate', -1)] },
    { entity: [{ entityType: 'user', entityName: 'x' }], ops: [set('producer_byte_rate', 1), remove('producer_byte_rate')] },
    { entity: [{ entityType: 'client-id', entityName: 'valid-one' }], ops: [set('producer_byte_rate', 777)] },
    { entity: [{ entityType: 'client-id', entityName: 'nul\u0000name' }], ops: [set('producer_byte_rate', 778)] },
  ]);
  assert.deepEqual(res.entries?.map((e) => e.errorCode), [42, 42, 42, 42, 42, 42, 42, 0, 0].map((c) => (c === 42 ? ErrorCode.INVALID_REQUEST : c)));
  for (const e of (res.entries ?? []).slice(0, 7)) assert.ok((e.errorMessage ?? '').length > 0, 'a message says why');
  assert.deepEqual(res.entries?.[0].entity, [{ entityType: 'group', entityName: 'g' }], 'entities are echoed');
  const after = await everything();
  // A name with U+0000 is a Kafka string like any other (stored through the store's escaping).
  assert.deepEqual(after.filter((l) => !before.includes(l)), ['client-id=nul\u0000name producer_byte_rate=778', 'client-id=valid-one producer_byte_rate=777']);
});

test('AlterClientQuotas: validateOnly checks without changing anything', async () => {
  const before = await everything();
  const res = await alter(1, [
    { entity: [{ entityType: 'client-id', entityName: 'dry-run' }], ops: [set('producer_byte_rate', 5)] },
    { entity: [{ entityType: 'client-id', entityName: 'dry-run' }], ops: [set('bogus', 5)] },
  ], true);
  assert.deepEqual(res.entries?.map((e) => e.errorCode), [ErrorCode.NONE, ErrorCode.INVALID_REQUEST]);
  assert.deepEqual(await everything(), before);
});

test('AlterClientQuotas: another broker on the same database sees the change (LISTEN/NOTIFY)', async () => {
  const other = await startTestBroker({ nodeId: 2 }, { databaseUrl: tb.databaseUrl });
  try {
    const quotas = quotaManager(other.broker);
    await quotas.reload();
    const client42 = { user: 'ANONYMOUS', clientId: 'seen-elsewhere' };
    assert.equal(quotas.quotaFor(client42, 'consumer_byte_rate'), null);
    assert.deepEqual((await alter(1, [{ entity: [{ entityType: 'client-id', entityName: 'seen-elsewhere' }], ops: [set('consumer_byte_rate', 12345)] }])).entries?.map((e) => e.errorCode), [0]);
    await until(() => quotas.quotaFor(client42, 'consumer_byte_rate') === 12345, 10_000, 'the other broker to reload the quotas');
  } finally {
    await other.stopBroker();
  }
});
