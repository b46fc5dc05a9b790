// kcat (librdkafka) as a one-shot command for end-to-end tests: produce lines from stdin (keys, headers,
// compression, murmur2 partitioner), consume partitions without a group (`-C -e` with a tab-separated format)
// and parse what it prints. Fails with a clear message when kcat is not installed.

import { spawn, spawnSync } from 'node:child_process';

/** Throws when kcat is not on the PATH (scripts/test.ts installs it with apt-get when it may). */
export function requireKcat(): void {
  const probe = spawnSync('kcat', ['-V'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error('kcat is not installed: these tests need it (Debian/Ubuntu: `apt-get install -y kcat`; `npm test` tries to install it)');
  }
}

export interface KcatRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kcat with `args`, writing `input` to its stdin; kills it after `timeoutMs` (the result then has code null). */
export function runKcat(args: string[], input = '', timeoutMs = 30_000): Promise<KcatRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: string[] = [];
    const err: string[] = [];
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => out.push(s));
    child.stderr.on('data', (s: string) => err.push(s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out.join(''), stderr: err.join('') });
    });
    child.stdin.on('error', () => {}); // kcat may exit before reading everything (e.g. unknown topic)
    child.stdin.end(input);
  });
}

export interface KcatProduceOptions {
  /** -z: none, gzip, snappy, lz4, zstd. */
  compression?: string;
  /** -p: a fixed partition; default: the partitioner picks (murmur2_random, Java's for keyed records). */
  partition?: number;
  /** -H name=value, the same on every record. */
  headers?: [string, string][];
  /** Extra -X properties. */
  properties?: Record<string, string>;
}

/** Produces `records` (key TAB value per line; key null: no key) and resolves with kcat's exit. */
export function kcatProduce(address: string, topic: string, records: { key: string | null; value: string }[], o: KcatProduceOptions = {}): Promise<KcatRun> {
  const keyed = records.some((r) => r.key !== null);
  const lines = records.map((r) => (keyed ? `${r.key ?? ''}\t${r.value}` : r.value)).join('\n') + '\n';
  const props = { partitioner: 'murmur2_random', 'linger.ms': '5', ...o.properties };
  const args = [
    '-P', '-b', address, '-t', topic,
    ...(keyed ? ['-K', '\\t'] : []),
    ...(o.compression ? ['-z', o.compression] : []),
    ...(o.partition === undefined ? [] : ['-p', String(o.partition)]),
    ...(o.headers ?? []).flatMap(([k, v]) => ['-H', `${k}=${v}`]),
    ...Object.entries(props).flatMap(([k, v]) => ['-X', `${k}=${v}`]),
  ];
  return runKcat(args, lines);
}

/** A record as kcat printed it. Keys and values are text (kcat prints null as empty). */
export interface KcatConsumed {
  partition: number;
  offset: number;
  timestamp: number;
  key: string;
  value: string;
  headers: [string, string][];
}

export interface KcatConsumeOptions {
  /** -p: one partition; default: all of them. */
  partition?: number;
  /** -o: beginning (default), end, an offset, -N (N from the end), s@<ms>, e@<ms>. */
  offset?: string;
  /** -c: stop after this many records. */
  count?: number;
  properties?: Record<string, string>;
  timeoutMs?: number;
}

const FORMAT = '%p\\t%o\\t%T\\t%k\\t%s\\t%h\\n';

/** Consumes until the end of each partition (`-e`) and parses the records; rejects when kcat fails. */
export async function kcatConsume(address: string, topic: string, o: KcatConsumeOptions = {}): Promise<KcatConsumed[]> {
  const run = await kcatConsumeRun(address, topic, o);
  if (run.code !== 0) throw new Error(`kcat -C exited with ${run.code}: ${run.stderr.trim()}`);
  return parseConsumed(run.stdout);
}

/** Like kcatConsume, but resolves with the raw run (for tests that expect kcat to fail). */
export function kcatConsumeRun(address: string, topic: string, o: KcatConsumeOptions = {}): Promise<KcatRun> {
  const args = [
    '-C', '-b', address, '-t', topic, '-e', '-f', FORMAT,
    '-o', o.offset ?? 'beginning',
    ...(o.partition === undefined ? [] : ['-p', String(o.partition)]),
    ...(o.count === undefined ? [] : ['-c', String(o.count)]),
    ...Object.entries({ 'fetch.wait.max.ms': '100', ...o.properties }).flatMap(([k, v]) => ['-X', `${k}=${v}`]),
  ];
  return runKcat(args, '', o.timeoutMs ?? 30_000);
}

export function parseConsumed(stdout: string): KcatConsumed[] {
  const out: KcatConsumed[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    if (f.length !== 6) throw new Error(`unexpected kcat line: ${JSON.stringify(line)}`);
    out.push({
      partition: Number(f[0]),
      offset: Number(f[1]),
      timestamp: Number(f[2]),
      key: f[3],
      value: f[4],
      headers: f[5] === '' ? [] : f[5].split(',').map((h): [string, string] => {
        const at = h.indexOf('=');
        return at < 0 ? [h, ''] : [h.slice(0, at), h.slice(at + 1)];
      }),
    });
  }
  return out;
}
