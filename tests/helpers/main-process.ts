// The real entry point as a child process, for tests: runtime/main.ts (Node with the loader, or Deno) with
// --data-dir and no DATABASE_URL, so it starts its own embedded PostgreSQL. Start it and wait until it answers,
// stop it with SIGTERM (it must exit 0 and leave its PostgreSQL shut down), or kill it.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import process from 'node:process';
import * as apiVersions from '../../apis/api-versions.ts';
import { brokerCommand } from '../../runtime/platform.ts';
import { RawClient } from './raw-client.ts';
import { sleep } from './eventually.ts';

/** A free TCP port on 127.0.0.1 (there is a small race until the broker binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningBroker {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL (nothing runs on its way out) and wait for the exit; nothing when it has exited already. */
  kill(): Promise<void>;
}

/** Starts runtime/main.ts on `dataDir` and waits until it answers ApiVersions (killed again if it does not). */
export async function startMain(dataDir: string, port: number): Promise<RunningBroker> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'DATABASE_URL' && !k.startsWith('PGKAFKA_')) env[k] = v;
  const [command, args] = brokerCommand(['--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'info']);
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (s: string) => output.push(s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => output.push(s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const running: RunningBroker = { child, output, exited, kill };
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`runtime/main.ts exited during start:\n${output.join('')}`);
      if (Date.now() > deadline) throw new Error(`runtime/main.ts did not answer within 90 s:\n${output.join('')}`);
      const client = await RawClient.connect(port).catch(() => null);
      if (client) {
        try {
          const res = await client.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, { clientSoftwareName: 'e2e', clientSoftwareVersion: '1' });
          if (res.errorCode === 0) return running;
        } catch {
          // not ready yet
        } finally {
          client.close();
        }
      }
      await sleep(200);
    }
  } catch (err) {
    await kill();
    throw err;
  }
}

/** SIGTERM; the broker must exit 0 and leave its PostgreSQL shut down (no postmaster.pid left in dataDir). */
export async function stopMain(b: RunningBroker, dataDir: string): Promise<void> {
  // process.kill, not child.kill: Deno's child_process reports any child it was asked to kill as ended by that
  // signal (code null), even when the child caught it and exited 0.
  process.kill(b.child.pid as number, 'SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 60_000)));
  const exit = await Promise.race([b.exited, timeout]);
  clearTimeout(timer);
  assert.ok(exit, `runtime/main.ts did not exit within 60 s of SIGTERM:\n${b.output.join('')}`);
  assert.deepEqual(exit, { code: 0, signal: null }, `runtime/main.ts exits cleanly on SIGTERM:\n${b.output.join('').slice(-3000)}`);
  assert.equal(existsSync(join(dataDir, 'postmaster.pid')), false, 'the embedded PostgreSQL was shut down');
}
