// Fault injection for tests: an embedded PostgreSQL of a test's own (never the suite's shared one) that can be
// restarted the hard way (immediate shutdown, as `pg_ctl restart -m immediate`) on the same data folder and port,
// and a broker (runtime/main.ts) as a child process, so that a crash would show as the child exiting.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import * as apiVersions from '../../apis/api-versions.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../runtime/embedded-postgres.ts';
import { brokerCommand } from '../../runtime/platform.ts';
import { RawClient } from './raw-client.ts';
import { freePort } from './main-process.ts';

export { freePort };
import { sleep, until } from './eventually.ts';

const SETTINGS = { fsync: 'off', full_page_writes: 'off' };

export class FaultyPostgres {
  readonly url: string;
  readonly #dir: string;
  readonly #dataDir: string;
  readonly #port: number;
  #pg: EmbeddedPostgres;

  private constructor(dir: string, pg: EmbeddedPostgres) {
    this.#dir = dir;
    this.#dataDir = join(dir, 'pg');
    this.#pg = pg;
    this.url = pg.url;
    this.#port = Number(new URL(pg.url).port);
  }

  static async start(): Promise<FaultyPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'pg-kafka-fault-'));
    const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), settings: SETTINGS, log: () => {} });
    return new FaultyPostgres(dir, pg);
  }

  /** Immediate shutdown (SIGQUIT to the postmaster: no checkpoint, crash recovery at the next start). */
  async crash(): Promise<void> {
    const pid = Number(readFileSync(join(this.#dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGQUIT');
    await until(() => !running(pid), 10_000, 'the postmaster to exit', 20);
  }

  /** Starts it again on the same folder and port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    this.#pg = await startEmbeddedPostgres({ dataDir: this.#dataDir, port: this.#port, settings: SETTINGS, log: () => {} });
  }

  async stop(): Promise<void> {
    await this.#pg.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Alive and not a zombie (a killed child not yet reaped still has its /proc entry). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export interface BrokerChild {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** True while the process runs. */
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts runtime/main.ts on `databaseUrl` and waits until it is listening (registered) and answers ApiVersions. */
export async function startBrokerChild(databaseUrl: string, port: number, args: string[] = []): Promise<BrokerChild> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PGKAFKA_')) env[k] = v;
  env.DATABASE_URL = databaseUrl;
  const [command, argv] = brokerCommand(['--host', '127.0.0.1', '--port', String(port), '--log-level', 'info', ...args]);
  const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (s: string) => output.push(s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => output.push(s));
  let running = true;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  const b: BrokerChild = {
    child,
    port,
    output,
    exited,
    alive: () => running,
    kill: async (signal = 'SIGKILL') => {
      if (!running) return;
      process.kill(child.pid as number, signal);
      await exited;
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running) throw new Error(`runtime/main.ts exited during start:\n${output.join('')}`);
    if (Date.now() > deadline) {
      await b.kill();
      throw new Error(`runtime/main.ts did not answer within 60 s:\n${output.join('')}`);
    }
    const client = output.join('').includes(' listening ') ? await RawClient.connect(port).catch(() => null) : null;
    if (client) {
      try {
        const res = await client.request<apiVersions.ApiVersionsResponse>(apiVersions, 3, { clientSoftwareName: 'fault', clientSoftwareVersion: '1' });
        if (res.errorCode === 0) return b;
      } catch {
        // not ready yet
      } finally {
        client.close();
      }
    }
    await sleep(100);
  }
}
