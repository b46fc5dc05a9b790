// Benchmark of the record-batch codec: records/s for encodeBatch and readBatches of 1 KiB records per compression.
// Run: node --import ./runtime/node/register.mjs scripts/bench-codec.ts  (or: deno run -A scripts/bench-codec.ts)

import process from 'node:process';
import { Compression, compressionName, nativeZstd } from '../codec/compression.ts';
import { encodeBatch, readBatches, type EncodeRecord } from '../codec/record-batch.ts';

const RECORD_SIZE = 1024;
const BATCH_RECORDS = Number(process.argv[2] ?? 500);
const SECONDS = Number(process.argv[3] ?? 1);

/** JSON-like 1 KiB values: repeated field names with varying numbers and a random token, like real payloads. */
function makeRecords(n: number): EncodeRecord[] {
  const enc = new TextEncoder();
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  const records: EncodeRecord[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    while (s.length < RECORD_SIZE) {
      s += `{"user":${rand() % 100000},"event":"page_view","token":"${rand().toString(36)}${rand().toString(36)}","ms":${rand() % 5000}}`;
    }
    records.push({
      offsetDelta: i,
      timestampDelta: i,
      key: enc.encode(`user-${rand() % 1000}`),
      value: enc.encode(s.slice(0, RECORD_SIZE)),
      headers: [{ key: 'content-type', value: enc.encode('application/json') }],
    });
  }
  return records;
}

/** Records per second from the median time of one call, which shrugs off noise from other processes. */
function rate(fn: () => void, recordsPerCall: number): number {
  for (let i = 0; i < 3; i++) fn(); // warm up
  const times: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  for (;;) {
    const t = performance.now();
    fn();
    const now = performance.now();
    times.push(now - t);
    if (now >= until && times.length >= 5) break;
  }
  times.sort((a, b) => a - b);
  return recordsPerCall / (times[times.length >> 1] / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);

const records = makeRecords(BATCH_RECORDS);
const input = { baseOffset: 0, baseTimestamp: Date.now(), records };
const runtime = typeof (globalThis as { Deno?: unknown }).Deno === 'object' ? 'deno' : `node ${process.versions.node}`;
console.log(`${runtime}: batches of ${BATCH_RECORDS} x ${RECORD_SIZE} B records, median of ${SECONDS}s of calls per figure, zstd ${nativeZstd ? 'native' : 'raw blocks (no node:zlib zstd)'}`);
console.log(`${'codec'.padEnd(8)}${'batch bytes'.padStart(12)}${'encode rec/s'.padStart(14)}${'read rec/s'.padStart(14)}${'both rec/s'.padStart(14)}${'encode MB/s'.padStart(13)}`);
for (const codec of [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd]) {
  const bytes = encodeBatch(input, codec);
  const encode = rate(() => encodeBatch(input, codec), BATCH_RECORDS);
  const read = rate(() => readBatches(bytes), BATCH_RECORDS);
  const both = rate(() => readBatches(encodeBatch(input, codec)), BATCH_RECORDS);
  const mbs = (encode * (RECORD_SIZE + 30)) / 1e6;
  console.log(
    `${compressionName(codec).padEnd(8)}${String(bytes.length).padStart(12)}${fmt(encode).padStart(14)}${fmt(read).padStart(14)}${fmt(both).padStart(14)}${mbs.toFixed(0).padStart(13)}`,
  );
}
