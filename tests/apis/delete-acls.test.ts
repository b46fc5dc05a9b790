// DeleteAcls conformance: codec round trip of every version; each filter deletes what it matches (MATCH and ANY
// as Kafka's) and returns the deleted bindings; a binding two filters match is listed under both; an invalid
// filter is INVALID_REQUEST while the others still apply; SECURITY_DISABLED without an authorizer.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as createAcls from '../../apis/create-acls.ts';
import * as deleteAcls from '../../apis/delete-acls.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { AclOperation, AclPermission, PatternType, ResourceType } from '../../runtime/auth/acl.ts';

type Filter = deleteAcls.DeleteAclsRequest['filters'][number];
type Res = deleteAcls.DeleteAclsResponse;

const anyFilter: Filter = {
  resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY,
  principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermission.ANY,
};

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ authorizer: 'acl', superUsers: 'User:admin' }, { principalFor: () => 'User:admin' });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

async function seed(): Promise<void> {
  const binding = (resourceName: string, resourcePatternType: number, principal: string) =>
    ({ resourceType: ResourceType.TOPIC, resourceName, resourcePatternType, principal, host: '*', operation: AclOperation.WRITE, permissionType: AclPermission.ALLOW });
  const res = await client.request<createAcls.CreateAclsResponse>(createAcls, 3, {
    creations: [binding('orders', PatternType.LITERAL, 'User:a'), binding('ord', PatternType.PREFIXED, 'User:b'), binding('other', PatternType.LITERAL, 'User:c')],
  });
  assert.deepEqual(res.results?.map((r) => r.errorCode), [0, 0, 0]);
}

test('DeleteAcls: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(deleteAcls);
});

test('DeleteAcls: MATCH and ANY filters delete what they match and return it, at every version from 1', async () => {
  for (let v = 1; v <= 3; v++) {
    await seed();
    const res = await client.request<Res>(deleteAcls, v, {
      filters: [
        { ...anyFilter, resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: 'orders', patternTypeFilter: PatternType.MATCH },
        { ...anyFilter, principalFilter: 'User:b' },
        { ...anyFilter, operation: 0 },
      ],
    });
    const deleted = res.filterResults?.map((f) => [f.errorCode, f.matchingAcls?.map((m) => `${m.resourceName}:${m.patternType}:${m.principal}`).sort()]);
    assert.deepEqual(deleted, [[0, ['ord:4:User:b', 'orders:3:User:a']], [0, ['ord:4:User:b']], [ErrorCode.INVALID_REQUEST, []]], `v${v}`);
    const left = await tb.store.sql`select resource_name from kafka.acls`;
    assert.deepEqual(left.map((r) => r.resource_name), ['other'], `v${v}`);
    const rest = await client.request<Res>(deleteAcls, v, { filters: [anyFilter] });
    assert.deepEqual(rest.filterResults?.[0].matchingAcls?.map((m) => m.resourceName), ['other']);
  }
  // v0: LITERAL only.
  await seed();
  const v0 = await client.request<Res>(deleteAcls, 0, { filters: [{ ...anyFilter, patternTypeFilter: PatternType.LITERAL }] });
  assert.deepEqual(v0.filterResults?.[0].matchingAcls?.map((m) => m.resourceName).sort(), ['orders', 'other']);
  await client.request<Res>(deleteAcls, 3, { filters: [anyFilter] });
});

test('DeleteAcls: without an authorizer every filter answers SECURITY_DISABLED', async () => {
  const plain = await startTestBroker();
  const c = await RawClient.connect(plain.port);
  try {
    for (let v = 0; v <= 3; v++) {
      const res = await c.request<Res>(deleteAcls, v, { filters: [{ ...anyFilter, patternTypeFilter: PatternType.LITERAL }] });
      assert.deepEqual(res.filterResults?.map((f) => f.errorCode), [ErrorCode.SECURITY_DISABLED], `v${v}`);
    }
  } finally {
    c.close();
    await plain.stop();
  }
});
