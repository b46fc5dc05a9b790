// ApiVersions conformance: codec round trip of every version; the answer lists exactly the registry;
// an unknown version gets UNSUPPORTED_VERSION in the v0 layout; bad client software names are refused.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as apiVersions from '../../apis/api-versions.ts';
import { Reader } from '../../codec/reader.ts';
import { ErrorCode } from '../../codec/errors.ts';
import { assertCodecRoundTrip } from '../helpers/conformance.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

let tb: TestBroker;
before(async () => {
  tb = await startTestBroker();
});
after(async () => {
  await tb?.stop();
});

test('ApiVersions: every version encodes, decodes and re-encodes byte for byte', () => {
  assertCodecRoundTrip(apiVersions);
});

test('ApiVersions: answers every version 0-4 with the registry contents', async () => {
  const client = await RawClient.connect(tb.port);
  const expected = tb.broker.registry.list().map((s) => ({ apiKey: s.apiKey, minVersion: s.minVersion, maxVersion: s.maxVersion }));
  for (let v = 0; v <= 4; v++) {
    const res = await client.request<apiVersions.ApiVersionsResponse>(apiVersions, v, { clientSoftwareName: 'pg-kafka-test', clientSoftwareVersion: '1.0' });
    assert.equal(res.errorCode, 0, `v${v}`);
    assert.deepEqual(res.apiKeys, expected, `v${v}`);
    assert.ok(res.apiKeys?.some((k) => k.apiKey === 18 && k.maxVersion === 4));
  }
  client.close();
});

test('ApiVersions: an unknown version is answered in the v0 layout with UNSUPPORTED_VERSION', async () => {
  const client = await RawClient.connect(tb.port);
  const body = client.encode(apiVersions, 4, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  new DataView(body.buffer).setInt16(6, 99); // api_version = 99
  const frame = await client.sendFrame(body);
  const r = new Reader(frame);
  r.int32(); // correlation id, response header v0
  const res = apiVersions.decodeResponse(0, r);
  assert.equal(res.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.ok((res.apiKeys?.length ?? 0) > 0);
  assert.equal(r.remaining, 0);
  // The connection stays usable.
  const ok = await client.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, { clientSoftwareName: 'a', clientSoftwareVersion: '1' });
  assert.equal(ok.errorCode, 0);
  client.close();
});

test('ApiVersions: an invalid client software name gets INVALID_REQUEST', async () => {
  const client = await RawClient.connect(tb.port);
  const res = await client.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, { clientSoftwareName: '-bad name-', clientSoftwareVersion: '1' });
  assert.equal(res.errorCode, ErrorCode.INVALID_REQUEST);
  client.close();
});

test('ApiVersions v3+: metadata.version (Kafka 4.0-IV3, level 25) and group.version 1 as supported and finalized features', async () => {
  const client = await RawClient.connect(tb.port);
  for (const v of [3, 4]) {
    const res = await client.request<apiVersions.ApiVersionsResponse>(apiVersions, v, { clientSoftwareName: 'a', clientSoftwareVersion: '1' });
    assert.deepEqual(res.supportedFeatures, [
      { name: 'metadata.version', minVersion: 7, maxVersion: 25 },
      { name: 'group.version', minVersion: 0, maxVersion: 1 },
    ], `v${v}`);
    assert.deepEqual(res.finalizedFeatures, [
      { name: 'metadata.version', maxVersionLevel: 25, minVersionLevel: 25 },
      { name: 'group.version', maxVersionLevel: 1, minVersionLevel: 1 },
    ]);
    assert.ok((res.finalizedFeaturesEpoch ?? -1) >= 0);
  }
  // Before v3 there are no features on the wire.
  const v2 = await client.request<apiVersions.ApiVersionsResponse>(apiVersions, 2, { clientSoftwareName: 'a', clientSoftwareVersion: '1' });
  assert.deepEqual(v2.supportedFeatures, []);
  assert.deepEqual(v2.finalizedFeatures, []);
  client.close();
});
