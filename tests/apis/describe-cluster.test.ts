// DescribeCluster conformance: codec round trip of every version; cluster id, controller and brokers at v0 and v1;
// cluster authorized operations only when asked for; endpoint types (v1); agreement with kafkajs's describeCluster
// (which reads Metadata).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import * as describeCluster from '../../apis/describe-cluster.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

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
