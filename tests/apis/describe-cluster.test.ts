// DescribeCluster conformance: codec round trip of every version; cluster id, controller and brokers at v0 and v1;
// cluster authorized operations only when asked for; endpoint types (v1); agreement with kafkajs's describeCluster
// (which reads Metadata); two brokers on one database listing each other, and one that stopped disappearing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as describeCluster from '../../apis/describe-cluster.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { until } from '../helpers/eventually.ts';

type Res = describeCluster.DescribeClusterResponse;

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ nodeId: 7 });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const ask = (version: number, body: Partial<describeCluster.DescribeClusterRequest>) => client.request<Res>(describeCluster, version, body);

test('DescribeCluster: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(describeCluster);
});

test('DescribeCluster v0 and v1: cluster id, this broker as controller and only broker', async () => {
  for (const v of [0, 1]) {
    const res = await ask(v, { includeClusterAuthorizedOperations: false });
    assert.equal(res.errorCode, 0, `v${v}`);
    assert.equal(res.errorMessage, null);
    assert.equal(res.clusterId, tb.broker.clusterId);
    assert.equal(res.controllerId, 7);
    assert.deepEqual(res.brokers, [{ brokerId: 7, host: '127.0.0.1', port: tb.port, rack: null }]);
    assert.equal(res.clusterAuthorizedOperations, -2147483648);
    assert.equal(res.endpointType, 1);
  }
});

test('DescribeCluster: cluster authorized operations, when asked for, are all of them', async () => {
  for (const v of [0, 1]) {
    const res = await ask(v, { includeClusterAuthorizedOperations: true });
    assert.equal(res.clusterAuthorizedOperations, 8096, `v${v}`);
  }
});

test('DescribeCluster v1: endpoint type 2 gets MISMATCHED_ENDPOINT_TYPE, others UNSUPPORTED_ENDPOINT_TYPE', async () => {
  const controllers = await ask(1, { endpointType: 2 });
  assert.equal(controllers.errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
  assert.deepEqual(controllers.brokers, []);
  for (const t of [0, 3, 99]) {
    const res = await ask(1, { endpointType: t });
    assert.equal(res.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `type ${t}`);
    assert.equal(res.errorMessage, `Unsupported endpoint type ${t}`);
  }
  const brokers = await ask(1, { endpointType: 1 });
  assert.equal(brokers.errorCode, 0);
});

test('kafkajs: describeCluster agrees', async () => {
  const kafka = new Kafka({ clientId: 'describe-cluster-test', brokers: [tb.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const raw = await ask(1, {});
    const cluster = await admin.describeCluster();
    assert.equal(cluster.clusterId, raw.clusterId);
    assert.equal(cluster.controller, raw.controllerId);
    assert.deepEqual(cluster.brokers, raw.brokers?.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port })));
  } finally {
    await admin.disconnect();
  }
});

test('DescribeCluster: brokers on one database list each other; a stopped one disappears and the controller moves', async () => {
  const a = await startTestBroker({ nodeId: 3 });
  const b = await startTestBroker({ nodeId: 5 }, { databaseUrl: a.databaseUrl });
  const ca = await RawClient.connect(a.port);
  const cb = await RawClient.connect(b.port);
  try {
    const both = [{ brokerId: 3, host: '127.0.0.1', port: a.port, rack: null }, { brokerId: 5, host: '127.0.0.1', port: b.port, rack: null }];
    await until(async () => ((await ca.request<Res>(describeCluster, 1, {})).brokers?.length ?? 0) === 2, 5000, 'the first broker to list the second');
    for (const c of [ca, cb]) {
      for (const v of [0, 1]) {
        const res = await c.request<Res>(describeCluster, v, {});
        assert.equal(res.errorCode, 0);
        assert.equal(res.clusterId, a.broker.clusterId);
        assert.equal(res.controllerId, 3, `v${v}`);
        assert.deepEqual(res.brokers, both, `v${v}`);
      }
    }
    // The controller (lowest node id) stops: the other lists itself alone, as controller.
    await a.stopBroker();
    await until(async () => ((await cb.request<Res>(describeCluster, 1, {})).brokers?.length ?? 0) === 1, 5000, 'the stopped broker to disappear');
    const alone = await cb.request<Res>(describeCluster, 1, {});
    assert.deepEqual(alone.brokers, [both[1]]);
    assert.equal(alone.controllerId, 5);
  } finally {
    ca.close();
    cb.close();
    await b.stopBroker();
    await a.stop();
  }
});
