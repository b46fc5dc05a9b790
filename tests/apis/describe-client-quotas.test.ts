// DescribeClientQuotas conformance: codec round trip of every version; at every version, filters by exact name,
// default entity and any entity of a type, strict and not; no components lists everything; invalid filters (unknown
// entity type, a type twice, an exact match without a name) get INVALID_REQUEST. Also Kafka's precedence of the
// eight user / client-id levels when a quota applies.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as alterQuotas from '../../apis/alter-client-quotas.ts';
import * as describeQuotas from '../../apis/describe-client-quotas.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { quotaManager } from '../../runtime/quotas.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

type Res = describeQuotas.DescribeClientQuotasResponse;
type Component = { entityType: string; matchType: number; match: string | null };

let tb: TestBroker;
let client: RawClient;
const E = (user: string | null | undefined, clientId: string | null | undefined) => [
  ...(user === undefined ? [] : [{ entityType: 'user', entityName: user }]),
  ...(clientId === undefined ? [] : [{ entityType: 'client-id', entityName: clientId }]),
];
before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.port);
  // One quota per level, its value telling which level it is (1 most specific .. 8 least).
  const levels: [string | null | undefined, string | null | undefined][] = [
    ['u', 'c'], ['u', null], ['u', undefined], [null, 'c'], [null, null], [null, undefined], [undefined, 'c'], [undefined, null],
  ];
  const res = await client.request<alterQuotas.AlterClientQuotasResponse>(alterQuotas, 1, {
    validateOnly: false,
    entries: levels.map(([u, c], i) => ({ entity: E(u, c), ops: [{ key: 'request_percentage', value: i + 1, remove: false }] })),
  });
  assert.deepEqual(res.entries?.map((e) => e.errorCode), levels.map(() => 0));
});
after(async () => {
  client?.close();
  await tb?.stop();
});

async function describe(version: number, components: Component[], strict = false): Promise<Res> {
  return client.request<Res>(describeQuotas, version, { components, strict });
}

/** The answer's entities as "user=<name>|client-id=<name>" with their request_percentage, sorted. */
function shown(res: Res): string[] {
  assert.equal(res.errorCode, 0, res.errorMessage ?? '');
  return (res.entries ?? []).map((e) => {
    const entity = [...(e.entity ?? [])].sort((a, b) => (a.entityType ?? '').localeCompare(b.entityType ?? '')).map((x) => `${x.entityType}=${x.entityName ?? '<default>'}`).join('|');
    return `${entity}:${e.values?.find((v) => v.key === 'request_percentage')?.value}`;
  }).sort();
}

test('DescribeClientQuotas: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeQuotas);
});

test('DescribeClientQuotas: exact, default and any matches, strict or not, at every version', async () => {
  for (const v of [0, 1]) {
    assert.equal(shown(await describe(v, [])).length, 8, `v${v}: no components, everything`);
    assert.deepEqual(shown(await describe(v, [{ entityType: 'user', matchType: 0, match: 'u' }])), ['client-id=<default>|user=u:2', 'client-id=c|user=u:1', 'user=u:3']);
    assert.deepEqual(shown(await describe(v, [{ entityType: 'user', matchType: 0, match: 'u' }], true)), ['user=u:3']);
    assert.deepEqual(shown(await describe(v, [{ entityType: 'user', matchType: 1, match: null }], true)), ['user=<default>:6']);
    assert.deepEqual(shown(await describe(v, [{ entityType: 'client-id', matchType: 2, match: null }], true)), ['client-id=<default>:8', 'client-id=c:7']);
    assert.deepEqual(shown(await describe(v, [{ entityType: 'user', matchType: 1, match: null }, { entityType: 'client-id', matchType: 0, match: 'c' }])), ['client-id=c|user=<default>:4']);
    assert.deepEqual(shown(await describe(v, [{ entityType: 'user', matchType: 0, match: 'nobody' }])), []);
  }
});

test('DescribeClientQuotas: invalid filters get INVALID_REQUEST with a message', async () => {
  for (const components of [
    [{ entityType: 'ip', matchType: 2, match: null }],
    [{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }],
    [{ entityType: 'user', matchType: 0, match: null }],
    [{ entityType: 'user', matchType: 7, match: null }],
  ]) {
    const res = await describe(1, components);
    assert.equal(res.errorCode, ErrorCode.INVALID_REQUEST, JSON.stringify(components));
    assert.ok((res.errorMessage ?? '').length > 0);
  }
});

test("quotas: Kafka's precedence of the eight user / client-id levels", async () => {
  const quotas = quotaManager(tb.broker);
  await quotas.reload();
  const q = (user: string, clientId: string) => quotas.quotaFor({ user, clientId }, 'request_percentage');
  assert.equal(q('u', 'c'), 1);
  assert.equal(q('u', 'other'), 2);
  assert.equal(q('someone', 'c'), 4);
  assert.equal(q('someone', 'other'), 5);
  // Without the user+client levels the user levels and then the client levels decide.
  await client.request(alterQuotas, 1, { validateOnly: false, entries: [
    { entity: E('u', null), ops: [{ key: 'request_percentage', value: 0, remove: true }] },
    { entity: E(null, null), ops: [{ key: 'request_percentage', value: 0, remove: true }] },
    { entity: E(null, 'c'), ops: [{ key: 'request_percentage', value: 0, remove: true }] },
  ] });
  await quotas.reload();
  assert.equal(q('u', 'other'), 3);
  assert.equal(q('someone', 'c'), 6);
  await client.request(alterQuotas, 1, { validateOnly: false, entries: [
    { entity: E(null, undefined), ops: [{ key: 'request_percentage', value: 0, remove: true }] },
  ] });
  await quotas.reload();
  assert.equal(q('someone', 'c'), 7);
  assert.equal(q('someone', 'other'), 8);
  assert.equal(quotas.quotaFor({ user: 'someone', clientId: 'other' }, 'producer_byte_rate'), null);
});
