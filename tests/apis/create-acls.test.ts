// CreateAcls conformance: codec round trip of every version; bindings are stored (v0 as LITERAL) and described
// back; Kafka's validation errors (INVALID_REQUEST); CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster;
// SECURITY_DISABLED without an authorizer.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as createAcls from '../../apis/create-acls.ts';
import * as describeAcls from '../../apis/describe-acls.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { AclOperation, AclPermission, PatternType, ResourceType } from '../../runtime/auth/acl.ts';

type Res = createAcls.CreateAclsResponse;
type Creation = createAcls.CreateAclsRequest['creations'][number];

const creation = (fields: Partial<Creation> = {}): Creation => ({
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  resourcePatternType: PatternType.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: AclOperation.READ,
  permissionType: AclPermission.ALLOW,
  ...fields,
});

let tb: TestBroker;
let client: RawClient;
before(async () => {
  // Raw clients send client id `raw-test`: here that connection is the super user.
  tb = await startTestBroker({ authorizer: 'acl', superUsers: 'User:admin' }, { principalFor: ({ clientId }) => (clientId === 'raw-test' ? 'User:admin' : null) });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

test('CreateAcls: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(createAcls);
});

test('CreateAcls: bindings are stored at every version (v0 as LITERAL) and described back', async () => {
  for (let v = 0; v <= 3; v++) {
    const name = `t-v${v}`;
    const res = await client.request<Res>(createAcls, v, { creations: [creation({ resourceName: name }), creation({ resourceName: name, operation: AclOperation.WRITE, permissionType: AclPermission.DENY })] });
    assert.deepEqual(res.results?.map((r) => r.errorCode), [0, 0], `v${v}`);
    const d = await client.request<describeAcls.DescribeAclsResponse>(describeAcls, 1, {
      resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: name, patternTypeFilter: PatternType.ANY,
      principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermission.ANY,
    });
    assert.deepEqual(d.resources?.map((r) => [r.resourceName, r.patternType, r.acls?.map((a) => [a.principal, a.host, a.operation, a.permissionType])]), [
      [name, PatternType.LITERAL, [['User:alice', '*', AclOperation.READ, AclPermission.ALLOW], ['User:alice', '*', AclOperation.WRITE, AclPermission.DENY]]],
    ], `v${v}`);
  }
  // The same binding again is no error and is stored once.
  const again = await client.request<Res>(createAcls, 3, { creations: [creation({ resourceName: 't-v3' })] });
  assert.equal(again.results?.[0].errorCode, 0);
  const rows = await tb.store.sql`select count(*)::int as n from kafka.acls where resource_name = 't-v3'`;
  assert.equal(rows[0].n, 2);
});

test('CreateAcls: invalid bindings get INVALID_REQUEST with Kafka\'s message; the valid ones are stored', async () => {
  const res = await client.request<Res>(createAcls, 3, {
    creations: [
      creation({ resourceType: ResourceType.ANY }),
      creation({ resourcePatternType: PatternType.MATCH }),
      creation({ operation: AclOperation.ANY }),
      creation({ permissionType: AclPermission.ANY }),
      creation({ resourceType: ResourceType.CLUSTER, resourceName: 'other' }),
      creation({ principal: 'alice' }),
      creation({ resourceName: '' }),
      creation({ resourceName: 'valid-one' }),
    ],
  });
  assert.deepEqual(res.results?.map((r) => r.errorCode), [...Array(7).fill(ErrorCode.INVALID_REQUEST), 0]);
  assert.equal(res.results?.[4].errorMessage, 'The only valid name for the CLUSTER resource is kafka-cluster');
  const rows = await tb.store.sql`select resource_name from kafka.acls where principal = 'User:alice' and resource_name in ('valid-one', '', 'other')`;
  assert.deepEqual(rows.map((r) => r.resource_name), ['valid-one']);
});

test('CreateAcls: a principal without ALTER on the cluster gets CLUSTER_AUTHORIZATION_FAILED', async () => {
  const other = await startTestBroker({ authorizer: 'acl', nodeId: 2 }, { databaseUrl: tb.databaseUrl });
  const c = await RawClient.connect(other.port);
  try {
    const res = await c.request<Res>(createAcls, 2, { creations: [creation({ resourceName: 'nope' })] });
    assert.deepEqual(res.results?.map((r) => r.errorCode), [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
  } finally {
    c.close();
    await other.stop();
  }
});

test('CreateAcls: without an authorizer every creation answers SECURITY_DISABLED', async () => {
  const plain = await startTestBroker();
  const c = await RawClient.connect(plain.port);
  try {
    for (let v = 0; v <= 3; v++) {
      const res = await c.request<Res>(createAcls, v, { creations: [creation(), creation({ resourceName: 'b' })] });
      assert.deepEqual(res.results?.map((r) => [r.errorCode, r.errorMessage]), [
        [ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker'],
        [ErrorCode.SECURITY_DISABLED, 'No Authorizer is configured on the broker'],
      ], `v${v}`);
    }
  } finally {
    c.close();
    await plain.stop();
  }
});
