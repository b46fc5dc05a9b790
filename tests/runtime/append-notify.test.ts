// Appends announced to other brokers: a broker alone on its database sends no NOTIFY for its appends (a statement
// per append saved); once a second broker registers on the same database, the first one's appends are announced,
// and a Fetch long poll on the second broker is woken by a produce through the first.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as metadata from '../../apis/metadata.ts';
import { APPEND_CHANNEL } from '../../store/notify.ts';
import { connect } from '../../store/db.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { fetchOne, flatten, makeBatch, produceOne } from '../helpers/data-path.ts';
import { sleep, until } from '../helpers/eventually.ts';

let a: TestBroker;
let b: TestBroker | undefined;
let client: RawClient;
before(async () => {
  a = await startTestBroker({ nodeId: 1 });
  client = await RawClient.connect(a.port);
});
after(async () => {
  client?.close();
  await b?.stopBroker();
  await a?.stop();
});

test('a broker alone sends no NOTIFY for its appends; with a second broker it does, and wakes its long polls', async () => {
  const topic = await a.store.createTopic({ name: 'notify', partitions: 1 });
  const heard: string[] = [];
  const listener = connect(a.databaseUrl, { max: 1 });
  try {
    await listener.listen(APPEND_CHANNEL, (payload) => void heard.push(payload));
    const produce = async (value: string) => {
      const res = await produceOne(client, 9, topic.name, 0, makeBatch([{ key: null, value }]));
      assert.equal(res.errorCode, 0);
    };

    await produce('alone');
    await sleep(500);
    assert.equal(heard.length, 0, 'nobody else to tell');

    b = await startTestBroker({ nodeId: 2 }, { databaseUrl: a.databaseUrl });
    await until(async () => ((await client.request<metadata.MetadataResponse>(metadata, 12, { topics: [] })).brokers?.length ?? 0) === 2, 5000, 'A to know B');
    const onB = await RawClient.connect(b.port);
    try {
      const polled = fetchOne(onB, 12, topic, 0, 1, { maxWaitMs: 10_000 });
      await sleep(200);
      const started = Date.now();
      await produce('shared');
      const { batches } = await polled;
      assert.deepEqual(flatten(batches).map((r) => r.value), ['shared']);
      assert.ok(Date.now() - started < 5000, 'woken by the NOTIFY, not by the end of the long poll');
      await until(() => heard.some((p) => p.includes(` ${topic.id}:0:2`)), 5000, 'the append announced');
    } finally {
      onB.close();
    }
  } finally {
    await listener.end({ timeout: 5 });
  }
});
