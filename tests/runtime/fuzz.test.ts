// Fuzzing the request path: for every registered API and each of its versions, a valid request (the module's
// own encoder over conformance sample values, or over an empty body: every field its default) is mutated — bits flipped, cut short, length fields enlarged, the
// frame size enlarged, bytes replaced or inserted at random — and sent from several connections at once. A fixed
// seed makes every run send the same frames. Whatever the frames do to their own connections, the broker logs no
// ERROR line (bad input is a WARN), a canary connection open the whole time is still answered and was never
// closed, no request of the closed fuzzing connections is left running, and the WARN lines about closed connections stay within their rate limit.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import process from 'node:process';
import * as apiVersions from '../../apis/api-versions.ts';
import * as metadataApi from '../../apis/metadata.ts';
import type { ApiModule } from '../../runtime/registry.ts';
import { startTestBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { sampleStruct } from '../helpers/conformance.ts';
import { sleep, until } from '../helpers/eventually.ts';

/** Fixed, so every run sends the same frames; PGKAFKA_FUZZ_SEED explores others (a finding then gets its own fix). */
const SEED = Number(process.env.PGKAFKA_FUZZ_SEED ?? 0x5eed_1234);
/** Mutated frames sent per API version (PGKAFKA_FUZZ_MUTATIONS: more, for a longer exploring run). */
const MUTATIONS_PER_VERSION = Number(process.env.PGKAFKA_FUZZ_MUTATIONS ?? 6);
/** Connections sending mutated frames at once. */
const WORKERS = 4;
/** How long a mutated frame may go unanswered before its connection is given up (a long poll, a frame left incomplete). */
const SILENCE_MS = 100;

const lines: string[] = [];
let tb: TestBroker;
let canary: RawClient;
let canaryClosed = false;

before(async () => {
  tb = await startTestBroker({ socketRequestMaxBytes: 1024 * 1024 }, { onLog: (line) => lines.push(line) });
  await tb.store.createTopic({ name: 'fuzz', partitions: 2 });
  storeRefusesNul = await tb.store.sql`select ${'a\u0000b'}::text as t`.then(() => false, (err: Error) => NUL_REFUSED.test(err.message));
  canary = await RawClient.connect(tb.port);
  void canary.closed.then(() => (canaryClosed = true));
});
after(async () => {
  canary?.close();
  await tb?.stop();
});

/** mulberry32: a small, fast PRNG; good enough to pick mutations, and reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MUTATIONS = ['flip', 'truncate', 'enlarge-length', 'frame-size', 'random-tail', 'insert'] as const;
type Mutation = (typeof MUTATIONS)[number];

/** Header bytes every request starts with: api key, version, correlation id. */
const HEADER_START = 8;

/** A mutated copy of a size-prefixed frame. */
function mutate(frame: Uint8Array, kind: Mutation, rnd: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n);
  const body = frame.subarray(4);
  const framed = (b: Uint8Array) => {
    const out = new Uint8Array(4 + b.length);
    new DataView(out.buffer).setInt32(0, b.length);
    out.set(b, 4);
    return out;
  };
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  switch (kind) {
    case 'flip': {
      const b = body.slice();
      for (let i = 1 + int(4); i > 0; i--) {
        // Mostly past the api key and version, so the decoders see most of the flips.
        const at = rnd() < 0.8 && b.length > 4 ? 4 + int(b.length - 4) : int(b.length);
        b[at] ^= 1 << int(8);
      }
      return framed(b);
    }
    case 'truncate':
      return framed(body.slice(0, HEADER_START + int(Math.max(1, body.length - HEADER_START))));
    case 'enlarge-length': {
      // Overwrite what may be a length (int16, int32 or varint) with a large value.
      const b = body.slice();
      const at = HEADER_START + int(Math.max(1, b.length - HEADER_START));
      const big = [[0x7f, 0xff], [0x7f, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0x0f], [0x40, 0x00]][int(4)];
      for (let i = 0; i < big.length && at + i < b.length; i++) b[at + i] = big[i];
      return framed(b);
    }
    case 'frame-size': {
      // A size larger than what follows (the broker waits for the rest), or larger than allowed (it closes).
      const out = frame.slice();
      const size = rnd() < 0.5 ? body.length + 1 + int(1000) : 0x7fffffff - int(1000);
      new DataView(out.buffer).setInt32(0, size);
      return out;
    }
    case 'random-tail': {
      const keep = Math.min(body.length, HEADER_START + int(Math.max(1, body.length - HEADER_START)));
      const b = new Uint8Array(keep + int(200));
      b.set(body.subarray(0, keep));
      b.set(randomBytes(b.length - keep), keep);
      return framed(b);
    }
    case 'insert': {
      const at = HEADER_START + int(Math.max(1, body.length - HEADER_START));
      const extra = randomBytes(1 + int(16));
      const b = new Uint8Array(body.length + extra.length);
      b.set(body.subarray(0, at));
      b.set(extra, at);
      b.set(body.subarray(at), at + extra.length);
      return framed(b);
    }
  }
}

interface Case {
  api: ApiModule;
  version: number;
  mutation: Mutation;
  /** The request mutated: conformance sample values (arrays of two, non-default numbers) or every field's default. */
  body: 'sample' | 'defaults';
  seed: number;
}

/** Every registered API version, each with every kind of mutation in turn. */
function cases(): Case[] {
  const rnd = prng(SEED);
  const out: Case[] = [];
  for (const schema of tb.broker.registry.list()) {
    const api = tb.broker.registry.get(schema.apiKey) as ApiModule;
    for (let v = schema.minVersion; v <= schema.maxVersion; v++) {
      for (let i = 0; i < MUTATIONS_PER_VERSION; i++) {
        const mutation = MUTATIONS[(schema.apiKey + v + i) % MUTATIONS.length];
        out.push({ api, version: v, mutation, body: i % 2 === 0 ? 'sample' : 'defaults', seed: Math.floor(rnd() * 2 ** 32) });
      }
    }
  }
  return out;
}

type Outcome = 'answered' | 'closed' | 'silent';

/** Sends a frame and waits for an answer, the connection's close, or SILENCE_MS of nothing. */
function send(c: RawClient, bytes: Uint8Array): Promise<Outcome> {
  return new Promise((resolve) => {
    const done = (o: Outcome) => {
      clearTimeout(timer);
      c.socket.off('data', onData);
      c.socket.off('close', onClose);
      resolve(o);
    };
    const onData = () => done('answered');
    const onClose = () => done('closed');
    const timer = setTimeout(() => done('silent'), SILENCE_MS);
    c.socket.on('data', onData);
    c.socket.on('close', onClose);
    c.write(bytes);
  });
}

async function canaryAnswers(what: string): Promise<void> {
  const v = await canary.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, { clientSoftwareName: 'canary', clientSoftwareVersion: '1' });
  assert.equal(v.errorCode, 0, `${what}: ApiVersions`);
  const m = await canary.request<metadataApi.MetadataResponse>(metadataApi, 12, {
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'fuzz' }],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(m.topics?.[0]?.errorCode, 0, `${what}: Metadata`);
}

/**
 * Known and fixed elsewhere: a Kafka string holding U+0000 (legal in Kafka) reaches PostgreSQL text, which refuses
 * it. Branch `strings` stores such strings through an escaping in store/db.ts; until the store can, the ERROR lines
 * of exactly that refusal are left out here. The probe asks the store itself, so the exemption ends by itself.
 */
let storeRefusesNul = false;
const NUL_REFUSED = /invalid byte sequence for encoding "UTF8": 0x00/;

const errorLines = () => lines.filter((l) => /^\S+ ERROR /.test(l) && !(storeRefusesNul && NUL_REFUSED.test(l)));

test('mutated requests of every API version: no ERROR line, the canary connection is served throughout', async (t) => {
  const all = cases();
  const tally: Record<Outcome, number> = { answered: 0, closed: 0, silent: 0 };
  let next = 0;
  let fuzzing = true;
  const worker = async () => {
    let c: RawClient | null = null;
    while (next < all.length) {
      const k = all[next++];
      c ??= await RawClient.connect(tb.port);
      const rnd = prng(k.seed);
      const body = k.body === 'sample' ? sampleStruct(k.api.schema.request, k.version, k.seed % 50) : {};
      const valid = c.encode(k.api, k.version, body, 1 + Math.floor(rnd() * 1e6));
      const outcome = await send(c, mutate(valid, k.mutation, rnd));
      tally[outcome]++;
      // A connection left waiting (half a frame, a long poll) or closed is replaced; an answered one goes on.
      if (outcome !== 'answered') {
        c.close();
        c = null;
      }
    }
    c?.close();
  };
  // The canary asks now and then while the fuzzers run.
  const canaryLoop = (async () => {
    for (let i = 0; fuzzing; i++) {
      await canaryAnswers(`during the fuzzing (${i})`);
      await sleep(200);
    }
  })();
  const started = Date.now();
  await Promise.all(Array.from({ length: WORKERS }, worker));
  fuzzing = false;
  await canaryLoop;
  if (storeRefusesNul) t.diagnostic(`not counted: ${lines.filter((l) => / ERROR /.test(l) && NUL_REFUSED.test(l)).length} ERROR lines of PostgreSQL refusing U+0000 (fixed on branch strings)`);
  t.diagnostic(`${all.length} mutated frames in ${Date.now() - started} ms: ${tally.answered} answered, ${tally.closed} closed the connection, ${tally.silent} left waiting`);

  await canaryAnswers('after the fuzzing');
  // Every fuzzing connection is closed: whatever its requests waited for (long polls, rebalances), none is left.
  await until(() => tb.broker.requestsInFlight === 0, 30_000, `requests of closed connections to end (${tb.broker.requestsInFlight} left)`);
  assert.equal(canaryClosed, false, 'the canary connection was never closed');
  assert.ok(tally.answered > 0 && tally.closed > 0, 'the mutations both got answers and closed connections');
  assert.deepEqual(errorLines(), [], 'no ERROR line was logged');
});

test('the WARN lines about closed connections stay within their rate limit, with a summary of the rest', async () => {
  const closing = lines.filter((l) => / WARN  closing connection: /.test(l));
  // 20 lines per 10 s window, per broker: the fuzzing above takes a few windows at most.
  assert.ok(closing.length > 0, 'closed connections are logged');
  assert.ok(closing.length <= 20 * 4, `${closing.length} closing lines`);
  await tb.stopBroker(); // the pending summary is written at shutdown at the latest
  assert.ok(lines.some((l) => / WARN  suppressed \d+ similar lines/.test(l)), 'a summary says how many lines were suppressed');
  assert.deepEqual(errorLines(), [], 'no ERROR line at shutdown either');
});
