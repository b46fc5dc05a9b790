// DescribeAcls conformance: codec round trip of every version; filters (ANY, MATCH, LITERAL, PREFIXED, principal,
// operation) as Kafka's AclBindingFilter; v0 sees LITERAL bindings only; INVALID_REQUEST for an UNKNOWN filter
// field; SECURITY_DISABLED without an authorizer.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as createAcls from '../../apis/create-acls.ts';
import * as describeAcls from '../../apis/describe-acls.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { AclOperation, AclPermission, PatternType, ResourceType } from '../../runtime/auth/acl.ts';

type Req = describeAcls.DescribeAclsRequest;
type Res = describeAcls.DescribeAclsResponse;

const anyFilter: Req = {
  resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY,
  principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermission.ANY,
};

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ authorizer: 'acl', superUsers: 'User:admin' }, { principalFor: () => 'User:admin' });
  client = await RawClient.connect(tb.port);
  const binding = (resourceType: number, resourceName: string, resourcePatternType: number, principal: string, operation: number) =>
    ({ resourceType, resourceName, resourcePatternType, principal, host: '*', operation, permissionType: AclPermission.ALLOW });
  const res = await client.request<createAcls.CreateAclsResponse>(createAcls, 3, {
    creations: [
      binding(ResourceType.TOPIC, 'orders', PatternType.LITERAL, 'User:alice', AclOperation.READ),
      binding(ResourceType.TOPIC, 'ord', PatternType.PREFIXED, 'User:bob', AclOperation.WRITE),
      binding(ResourceType.TOPIC, '*', PatternType.LITERAL, 'User:carol', AclOperation.DESCRIBE),
      binding(ResourceType.GROUP, 'orders', PatternType.LITERAL, 'User:alice', AclOperation.READ),
    ],
  });
  assert.deepEqual(res.results?.map((r) => r.errorCode), [0, 0, 0, 0]);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const names = (res: Res) => res.resources?.map((r) => `${r.resourceType}:${r.resourceName}:${r.patternType}`).sort();

test('DescribeAcls: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeAcls);
});

test('DescribeAcls: ANY, MATCH, LITERAL and PREFIXED filters select as Kafka\'s do', async () => {
  for (let v = 1; v <= 3; v++) {
    assert.equal((await client.request<Res>(describeAcls, v, anyFilter)).resources?.length, 4, `v${v}`);
    const match = await client.request<Res>(describeAcls, v, { ...anyFilter, resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: 'orders', patternTypeFilter: PatternType.MATCH });
    assert.deepEqual(names(match), ['2:*:3', '2:ord:4', '2:orders:3'], `v${v}`);
    const literal = await client.request<Res>(describeAcls, v, { ...anyFilter, resourceNameFilter: 'orders', patternTypeFilter: PatternType.LITERAL });
    assert.deepEqual(names(literal), ['2:orders:3', '3:orders:3'], `v${v}`);
    const prefixed = await client.request<Res>(describeAcls, v, { ...anyFilter, patternTypeFilter: PatternType.PREFIXED });
    assert.deepEqual(names(prefixed), ['2:ord:4'], `v${v}`);
    const byPrincipal = await client.request<Res>(describeAcls, v, { ...anyFilter, principalFilter: 'User:alice', operation: AclOperation.READ });
    assert.deepEqual(names(byPrincipal), ['2:orders:3', '3:orders:3'], `v${v}`);
  }
  // v0 has no pattern type: it filters LITERAL bindings.
  assert.deepEqual(names(await client.request<Res>(describeAcls, 0, { ...anyFilter, patternTypeFilter: PatternType.LITERAL })), ['2:*:3', '2:orders:3', '3:orders:3']);
});

test('DescribeAcls: an UNKNOWN filter field is INVALID_REQUEST', async () => {
  for (const bad of [{ resourceTypeFilter: 0 }, { patternTypeFilter: 0 }, { operation: 0 }, { permissionType: 0 }]) {
    const res = await client.request<Res>(describeAcls, 3, { ...anyFilter, ...bad });
    assert.equal(res.errorCode, ErrorCode.INVALID_REQUEST, JSON.stringify(bad));
  }
});

test('DescribeAcls: without an authorizer SECURITY_DISABLED; without DESCRIBE on the cluster CLUSTER_AUTHORIZATION_FAILED', async () => {
  const plain = await startTestBroker();
  const other = await startTestBroker({ authorizer: 'acl', nodeId: 2 }, { databaseUrl: tb.databaseUrl });
  const [c1, c2] = await Promise.all([RawClient.connect(plain.port), RawClient.connect(other.port)]);
  try {
    for (let v = 0; v <= 3; v++) {
      const res = await c1.request<Res>(describeAcls, v, { ...anyFilter, patternTypeFilter: PatternType.LITERAL });
      assert.deepEqual([res.errorCode, res.errorMessage, res.resources], [ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker', []], `v${v}`);
    }
    assert.equal((await c2.request<Res>(describeAcls, 3, anyFilter)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  } finally {
    c1.close();
    c2.close();
    await Promise.all([plain.stop(), other.stop()]);
  }
});
