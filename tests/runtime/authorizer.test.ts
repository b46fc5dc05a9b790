// The ACL authorizer through real clients (kafkajs): each client's principal comes from its client id
// (`user-alice` → `User:alice`, via the broker's principalFor hook), `User:admin` is a super user who manages the
// ACLs with kafkajs admin. Scenarios: produce denied and allowed, consume allowed on the topic but denied on the
// group, DENY over ALLOW, PREFIXED patterns, a transactional id denied, Metadata filtered, super user,
// allow-everyone-if-no-acl-found, and ACLs created through one broker enforced by another on the same database.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { until } from '../helpers/eventually.ts';
import { AclOperation, AclPermission, PatternType, ResourceType } from '../../runtime/auth/acl.ts';
import type { PrincipalFor } from '../../runtime/context.ts';

const principalFor: PrincipalFor = ({ clientId }) => (clientId?.startsWith('user-') ? `User:${clientId.slice(5)}` : null);

let tb: TestBroker;
let admin: Admin;

function kafka(user: string, broker: TestBroker = tb): Kafka {
  return new Kafka({ clientId: `user-${user}`, brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
}

type Grant = { resourceType: number; resourceName: string; patternType?: number; principal: string; operation: number; permission?: number };

async function grant(...grants: Grant[]): Promise<void> {
  await admin.createAcls({
    acl: grants.map((g) => ({
      resourceType: g.resourceType as never,
      resourceName: g.resourceName,
      resourcePatternType: (g.patternType ?? PatternType.LITERAL) as never,
      principal: g.principal,
      host: '*',
      operation: g.operation as never,
      permissionType: (g.permission ?? AclPermission.ALLOW) as never,
    })),
  });
}

/** The Kafka error code name behind a kafkajs error (its own wrappers walked through), else its message. */
function errorType(err: unknown): string {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown; message?: string } | undefined; e; e = (e.cause ?? e.originalError) as typeof e) {
    if (e.type) return e.type;
    if (e.message?.includes('Topic authorization failed')) return 'TOPIC_AUTHORIZATION_FAILED';
  }
  return (err as Error).message;
}

async function send(user: string, topic: string, broker?: TestBroker): Promise<string> {
  const producer = kafka(user, broker).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value: 'v' }] });
    return 'ok';
  } catch (err) {
    return errorType(err);
  } finally {
    await producer.disconnect();
  }
}

before(async () => {
  tb = await startTestBroker({ authorizer: 'acl', superUsers: 'User:admin;User:root' }, { principalFor });
  admin = kafka('admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: ['orders', 'billing-eu', 'billing-us', 'secret'].map((topic) => ({ topic, numPartitions: 1 })) });
});
after(async () => {
  await admin?.disconnect();
  await tb?.stop();
});

test('Authorizer: produce is denied without WRITE (READ is not enough) and allowed with it', async () => {
  await grant({ resourceType: ResourceType.TOPIC, resourceName: 'orders', principal: 'User:reader', operation: AclOperation.READ });
  assert.equal(await send('reader', 'orders'), 'TOPIC_AUTHORIZATION_FAILED');
  assert.equal(await send('nobody', 'orders'), 'TOPIC_AUTHORIZATION_FAILED');
  await grant({ resourceType: ResourceType.TOPIC, resourceName: 'orders', principal: 'User:writer', operation: AclOperation.WRITE });
  assert.equal(await send('writer', 'orders'), 'ok');
});

test('Authorizer: a consumer allowed on the topic but not on the group is refused, then consumes once granted', async () => {
  await grant({ resourceType: ResourceType.TOPIC, resourceName: 'orders', principal: 'User:carol', operation: AclOperation.READ });
  const attempt = async (groupId: string): Promise<string> => {
    const consumer = kafka('carol').consumer({ groupId, retry: { retries: 0 } });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      const outcome = new Promise<string>((resolve) => {
        consumer.on(consumer.events.CRASH, (e) => resolve(errorType(e.payload.error)));
        void consumer.run({ eachMessage: async () => resolve('consumed') }).catch((err) => resolve(errorType(err)));
      });
      return await outcome;
    } finally {
      await consumer.disconnect();
    }
  };
  // kafkajs reports FindCoordinator's GROUP_AUTHORIZATION_FAILED as not finding a coordinator (tests/apis/acl-enforcement.test.ts checks the code).
  assert.equal(await attempt('carol-group'), 'Failed to find group coordinator');
  await grant({ resourceType: ResourceType.GROUP, resourceName: 'carol-group', principal: 'User:carol', operation: AclOperation.READ });
  assert.equal(await send('writer', 'orders'), 'ok');
  assert.equal(await attempt('carol-group'), 'consumed');
});

test('Authorizer: DENY wins over ALLOW, also over a wildcard principal\'s ALLOW', async () => {
  await grant(
    { resourceType: ResourceType.TOPIC, resourceName: 'secret', principal: 'User:*', operation: AclOperation.ALL },
    { resourceType: ResourceType.TOPIC, resourceName: 'secret', principal: 'User:mallory', operation: AclOperation.WRITE, permission: AclPermission.DENY },
  );
  assert.equal(await send('dave', 'secret'), 'ok');
  assert.equal(await send('mallory', 'secret'), 'TOPIC_AUTHORIZATION_FAILED');
});

test('Authorizer: a PREFIXED pattern covers every topic with the prefix, and only those', async () => {
  await grant({ resourceType: ResourceType.TOPIC, resourceName: 'billing-', patternType: PatternType.PREFIXED, principal: 'User:erin', operation: AclOperation.WRITE });
  assert.equal(await send('erin', 'billing-eu'), 'ok');
  assert.equal(await send('erin', 'billing-us'), 'ok');
  assert.equal(await send('erin', 'orders'), 'TOPIC_AUTHORIZATION_FAILED');
});

test('Authorizer: Metadata lists only the topics the principal may DESCRIBE', async () => {
  const a = kafka('erin').admin();
  await a.connect();
  try {
    assert.deepEqual((await a.listTopics()).sort(), ['billing-eu', 'billing-us', 'secret']);
  } finally {
    await a.disconnect();
  }
  const b = kafka('root').admin(); // a super user sees every topic
  await b.connect();
  try {
    assert.deepEqual((await b.listTopics()).sort(), ['__consumer_offsets', 'billing-eu', 'billing-us', 'orders', 'secret']); // the internal topic too, as Kafka lists it
  } finally {
    await b.disconnect();
  }
});

test('Authorizer: a transactional producer without WRITE on its transactional id is refused', async () => {
  await grant({ resourceType: ResourceType.TOPIC, resourceName: 'orders', principal: 'User:frank', operation: AclOperation.WRITE });
  const denied = kafka('frank').producer({ transactionalId: 'frank-tx', idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
  await denied.connect();
  // Without DESCRIBE FindCoordinator refuses (kafkajs reports no coordinator); with DESCRIBE only, InitProducerId does.
  await assert.rejects(denied.transaction(), /Failed to find group coordinator/);
  await grant({ resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: 'frank-tx', principal: 'User:frank', operation: AclOperation.DESCRIBE });
  await assert.rejects(denied.transaction(), (err) => errorType(err) === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
  await denied.disconnect();
  await grant({ resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: 'frank-tx', principal: 'User:frank', operation: AclOperation.WRITE });
  const producer = kafka('frank').producer({ transactionalId: 'frank-tx', idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
  await producer.connect();
  try {
    const txn = await producer.transaction();
    await txn.send({ topic: 'orders', messages: [{ value: 'in a transaction' }] });
    await txn.commit();
  } finally {
    await producer.disconnect();
  }
});

test('Authorizer: kafkajs admin describes and deletes ACLs (MATCH filter), and the deletion is enforced', async () => {
  const described = await admin.describeAcls({
    resourceType: ResourceType.TOPIC as never,
    resourceName: 'billing-eu',
    resourcePatternType: PatternType.MATCH as never,
    operation: AclOperation.ANY as never,
    permissionType: AclPermission.ANY as never,
  });
  assert.deepEqual(described.resources.map((r) => [r.resourceName, r.resourcePatternType, r.acls.map((a) => [a.principal, a.operation])]), [
    ['billing-', PatternType.PREFIXED, [['User:erin', AclOperation.WRITE]]],
  ]);
  const deleted = await admin.deleteAcls({
    filters: [{
      resourceType: ResourceType.ANY as never,
      resourcePatternType: PatternType.ANY as never,
      principal: 'User:erin',
      operation: AclOperation.ANY as never,
      permissionType: AclPermission.ANY as never,
    }],
  });
  assert.deepEqual(deleted.filterResponses.map((f) => [f.errorCode, f.matchingAcls.map((m) => m.resourceName)]), [[0, ['billing-']]]);
  assert.equal(await send('erin', 'billing-eu'), 'TOPIC_AUTHORIZATION_FAILED');
});

test('Authorizer: ACLs created through one broker are enforced by another broker on the same database', async () => {
  const other = await startTestBroker({ authorizer: 'acl', superUsers: 'User:admin', nodeId: 2 }, { databaseUrl: tb.databaseUrl, principalFor });
  try {
    assert.equal(await send('grace', 'orders', other), 'TOPIC_AUTHORIZATION_FAILED');
    await grant({ resourceType: ResourceType.TOPIC, resourceName: 'orders', principal: 'User:grace', operation: AclOperation.WRITE });
    let outcome = '';
    await until(async () => (outcome = await send('grace', 'orders', other)) === 'ok', 10_000, `grace's produce through broker 2 (last: ${outcome})`, 100);
  } finally {
    await other.stop();
  }
});

test('Authorizer: --allow-everyone-if-no-acl-found allows resources without any ACL, not those with one', async () => {
  const open = await startTestBroker({ authorizer: 'acl', allowEveryoneIfNoAclFound: true }, { principalFor });
  try {
    const a = kafka('anyone', open).admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic: 'free' }, { topic: 'guarded' }] });
    await a.disconnect();
    const root = await startTestBroker({ authorizer: 'acl', superUsers: 'User:admin', nodeId: 3 }, { databaseUrl: open.databaseUrl, principalFor });
    try {
      const ad = kafka('admin', root).admin();
      await ad.connect();
      await ad.createAcls({ acl: [{ resourceType: ResourceType.TOPIC as never, resourceName: 'guarded', resourcePatternType: PatternType.LITERAL as never, principal: 'User:owner', host: '*', operation: AclOperation.WRITE as never, permissionType: AclPermission.ALLOW as never }] });
      await ad.disconnect();
    } finally {
      await root.stopBroker();
    }
    assert.equal(await send('anyone', 'free', open), 'ok');
    let outcome = '';
    await until(async () => (outcome = await send('anyone', 'guarded', open)) === 'TOPIC_AUTHORIZATION_FAILED', 10_000, `guarded refused (last: ${outcome})`, 100);
    assert.equal(await send('owner', 'guarded', open), 'ok');
  } finally {
    await open.stop();
  }
});
