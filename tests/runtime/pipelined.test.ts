// How a connection schedules its requests: pipelined modules (Produce) start one at a time in arrival order and
// let the next start once they call ctx.queued(); a serial module waits for every earlier request to finish;
// answers always go out in request order. Uses a broker whose registry holds instrumented copies of real modules.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as apiVersions from '../../apis/api-versions.ts';
import * as describeCluster from '../../apis/describe-cluster.ts';
import type { RequestContext } from '../../runtime/context.ts';
import { Registry, type ApiModule } from '../../runtime/registry.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

/** A promise with its resolver, for holding a handler at a point until the test lets it go. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const events: string[] = [];
/** Per request tag: let it call ctx.queued(); let it finish. Tags are the client software name. */
const toQueue = new Map<string, ReturnType<typeof latch>>();
const toFinish = new Map<string, ReturnType<typeof latch>>();

function tagged(tag: string) {
  toQueue.set(tag, latch());
  toFinish.set(tag, latch());
  return { clientSoftwareName: tag, clientSoftwareVersion: '1' };
}

/** ApiVersions made pipelined: records when it starts, queues and ends, at the moments the test chooses. */
const pipelinedModule: ApiModule = {
  ...(apiVersions as unknown as ApiModule),
  concurrent: false,
  pipelined: true,
  async handle(request: unknown, ctx: RequestContext) {
    const tag = (request as apiVersions.ApiVersionsRequest).clientSoftwareName;
    events.push(`start ${tag}`);
    if (tag.startsWith('noqueue')) {
      await toFinish.get(tag)!.promise;
      events.push(`end ${tag}`);
      return apiVersions.handle(request as apiVersions.ApiVersionsRequest, ctx);
    }
    await toQueue.get(tag)!.promise;
    events.push(`queued ${tag}`);
    ctx.queued();
    await toFinish.get(tag)!.promise;
    events.push(`end ${tag}`);
    return apiVersions.handle(request as apiVersions.ApiVersionsRequest, ctx);
  },
};

/** DescribeCluster left serial, recording when it starts. */
const serialModule: ApiModule = {
  ...(describeCluster as unknown as ApiModule),
  concurrent: false,
  async handle(request: unknown, ctx: RequestContext) {
    events.push('start serial');
    return describeCluster.handle(request as describeCluster.DescribeClusterRequest, ctx);
  },
};

let tb: TestBroker;
let client: RawClient;

before(async () => {
  const registry = new Registry();
  registry.register(pipelinedModule, 'tests/runtime/pipelined.test.ts (ApiVersions, pipelined)');
  registry.register(serialModule, 'tests/runtime/pipelined.test.ts (DescribeCluster, serial)');
  tb = await startTestBroker({}, { registry });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  client?.close();
  await tb?.stop();
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 50));

test('the next pipelined request starts only once the previous one is queued, and answers keep their order', async () => {
  events.length = 0;
  const a = client.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, tagged('a'));
  const b = client.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, tagged('b'));
  await tick();
  assert.deepEqual(events, ['start a'], 'b waits while a has not queued');
  toQueue.get('a')!.open();
  await tick();
  assert.deepEqual(events, ['start a', 'queued a', 'start b'], 'b starts once a is queued, a still running');
  toQueue.get('b')!.open();
  toFinish.get('b')!.open();
  let aAnswered = false;
  void a.then(() => (aAnswered = true));
  const bAnswer = b.then(() => assert.ok(aAnswered, 'b answered before a'));
  await tick();
  assert.ok(events.includes('end b'));
  assert.equal(aAnswered, false, 'nothing answered while a runs');
  toFinish.get('a')!.open();
  assert.equal((await a).errorCode, 0);
  await bAnswer;
});

test('a serial request waits for every earlier pipelined request to finish', async () => {
  events.length = 0;
  const a = client.request(apiVersions, 3, tagged('c'));
  const serial = client.request(describeCluster, 0, { includeClusterAuthorizedOperations: false });
  toQueue.get('c')!.open();
  await tick();
  assert.deepEqual(events, ['start c', 'queued c'], 'the serial request has not started: c is still running');
  toFinish.get('c')!.open();
  await a;
  await serial;
  assert.deepEqual(events, ['start c', 'queued c', 'end c', 'start serial']);
});

test('a pipelined request that finishes without queueing lets the next one start', async () => {
  events.length = 0;
  const a = client.request(apiVersions, 3, tagged('noqueue-d'));
  const b = client.request(apiVersions, 3, tagged('e'));
  await tick();
  assert.deepEqual(events, ['start noqueue-d']);
  toFinish.get('noqueue-d')!.open();
  await a;
  await tick();
  assert.deepEqual(events, ['start noqueue-d', 'end noqueue-d', 'start e']);
  toQueue.get('e')!.open();
  toFinish.get('e')!.open();
  await b;
});
