// Opens a postgres.js pool the way the store wants it: TCP_NODELAY on every TCP socket, int8 as a JS number (a
// bigint beyond 2^53, never rounded), Kafka strings in text and jsonb through store/pg-text.ts (U+0000 included),
// notices silenced, libpq-style Unix-socket URLs (postgresql://user:pass@/db?host=/run/postgresql), a short
// reconnect backoff, and transactions that survive losing their connection (see guardTransactions).
import net from 'node:net';
import postgres, { type Sql } from 'postgres';
import { fromPgJson, fromPgText, toPgJson, toPgText } from './pg-text.ts';
import type { Int64 } from '../codec/int64.ts';
import { isDatabaseUnavailable } from './errors.ts';

export type { Sql };

export interface ConnectOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Set TCP_NODELAY on TCP sockets (default true). postgres.js leaves Nagle on, which stalls COPY on delayed ACKs. */
  noDelay?: boolean;
  /** Seconds to wait for a TCP connection (default 30). */
  connectTimeout?: number;
  /** application_name shown in pg_stat_activity. */
  applicationName?: string;
  /** Extra session settings sent at connection start (e.g. { synchronous_commit: 'off' }). */
  settings?: Record<string, string>;
}

/**
 * int8 parsed as a JS number while it is a safe integer (offsets, timestamps and producer ids the broker assigns
 * always are), else as a bigint: a client's committed offset of 2^63-1 comes back exactly.
 */
const int8AsNumber = {
  to: 20,
  from: [20],
  serialize: (value: number | bigint) => String(value),
  parse: (value: string): number | bigint => {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : BigInt(value);
  },
};

/** text (and text[], which postgres.js builds from it) in the stored form of store/pg-text.ts. */
const kafkaText = {
  to: 25,
  from: [25],
  serialize: (value: unknown) => toPgText(String(value)),
  parse: fromPgText,
};

/** json and jsonb likewise: no U+0000 ever reaches jsonb, which refuses it. */
const kafkaJson = {
  to: 3802,
  from: [114, 3802],
  serialize: toPgJson,
  parse: fromPgJson,
};

/**
 * An int8 parameter from an Int64: a bigint as its decimal string (exact; postgres.js's types take no bigint).
 */
export function int8(value: Int64): number | string {
  return typeof value === 'bigint' ? String(value) : value;
}

/**
 * An int8[] parameter from Int64s. postgres.js types an array parameter by its first element and would send one
 * starting with a bigint as a lone int8; as decimal strings the values stay exact and take the statement's type.
 */
export function int8Array(values: readonly (Int64 | null)[]): readonly (number | string | null)[] {
  if (!values.some((v) => typeof v === 'bigint')) return values as readonly (number | null)[];
  return values.map((v) => (v === null ? null : String(v)));
}

export function connect(url: string, options: ConnectOptions = {}): Sql {
  const target = splitSocketParams(url);
  const unixSocket = target.host?.startsWith('/') ?? false;
  const noDelay = options.noDelay ?? true;
  const sql = postgres(target.url, {
    max: options.max ?? 10,
    onnotice: () => {},
    types: { bigint: int8AsNumber, text: kafkaText, json: kafkaJson },
    connect_timeout: options.connectTimeout ?? 30,
    backoff: reconnectBackoff,
    connection: { application_name: options.applicationName ?? 'pg-kafka', ...options.settings },
    ...(target.host !== undefined ? { host: target.host } : {}),
    ...(target.port !== undefined ? { port: target.port } : {}),
    ...(!unixSocket && noDelay ? { socket: tcpSocketFactory() } : {}),
  });
  guardTransactions(sql as unknown as Sql);
  return sql as unknown as Sql;
}

/**
 * Seconds before a connection that failed tries again, by consecutive failures across the pool: Kafka's
 * reconnect.backoff.ms (50 ms) doubling up to reconnect.backoff.max.ms (1 s), with 20% jitter. postgres.js's own
 * grows to 10-20 s after a few failures and resets only on a successful connect, so a pool that failed through a
 * short outage kept clients waiting that long after PostgreSQL was back.
 */
export function reconnectBackoff(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.8 + Math.random() * 0.4);
}

interface SocketTarget {
  host: string[];
  port: number[];
}

/**
 * postgres.js's `socket` option, with TCP_NODELAY: returns a socket that is still connecting, synchronously. The
 * connection failing (refused, reset, timed out) then reaches postgres.js as the socket's own error and close
 * events, so the pool's connection closes, backs off and reconnects as with its built-in sockets, and its connect
 * timer covers the TCP connect. (An async factory that awaited the connect and threw on failure left the pool's
 * connection stuck "connecting" for ever: it never closed, never retried, and its LISTEN never came back.)
 * Several hosts are tried in turn, one per attempt.
 */
function tcpSocketFactory(): (target: SocketTarget) => net.Socket {
  let attempt = 0;
  return (target) => {
    const i = attempt++ % target.host.length;
    const socket = net.connect({ host: target.host[i], port: target.port[i] ?? target.port[0] });
    socket.setNoDelay(true);
    socket.once('connect', () => socket.setNoDelay(true));
    return socket;
  };
}

/**
 * postgres.js 3.4.9 (porsager/postgres#1208) answers a failed statement of `sql.begin` with its own ROLLBACK, written
 * to the connection even when that connection just closed: the write is flushed from a setImmediate that finds no
 * socket and throws where nobody can catch it, ending the process. A transaction whose connection is gone needs no
 * rollback (PostgreSQL rolled it back), so every `begin` of this pool hands the callback's failure on to postgres.js
 * only when the connection still works: on a lost connection the callback's promise never settles, and `begin`
 * rejects with the connection error all the same (postgres.js races the callback against the connection closing).
 * The same bug makes `sql.reserve()` unsafe across outages: the store does not use it.
 */
function guardTransactions(sql: Sql): void {
  const begin = sql.begin.bind(sql) as (...args: unknown[]) => Promise<unknown>;
  const guarded = (...args: unknown[]): Promise<unknown> => {
    const fn = args[args.length - 1] as (tx: unknown) => unknown;
    let ended = false;
    const done = begin(...args.slice(0, -1), (tx: unknown) => {
      const result = fn(tx);
      return Promise.resolve(Array.isArray(result) ? Promise.all(result) : result).catch(async (err: unknown) => {
        if (!connectionGone(err)) throw err;
        // Lost by this transaction's connection: `begin` has rejected (or does so within a tick). Lost by another
        // connection the callback used: this one still works, so it is rolled back as usual.
        await new Promise((resolve) => setTimeout(resolve, LOST_CONNECTION_GRACE_MS));
        if (ended) return new Promise<never>(() => {});
        throw err;
      });
    });
    done.then(() => (ended = true), () => (ended = true));
    return done;
  };
  (sql as unknown as { begin: typeof guarded }).begin = guarded;
}

/** How long a transaction whose statement lost its connection waits to see `begin` reject before rolling back. */
const LOST_CONNECTION_GRACE_MS = 1000;

/** The statement failed because its connection is gone (CONNECTION_ENDED: the pool is ending, the connection is not). */
function connectionGone(err: unknown): boolean {
  return isDatabaseUnavailable(err) && (err as { code: string }).code !== 'CONNECTION_ENDED';
}

/**
 * postgres.js reads neither `?host=` nor `?port=` from a URL (libpq does, and uses them for Unix sockets):
 * take them out of the query string and hand them over as options.
 */
function splitSocketParams(url: string): { url: string; host?: string; port?: number } {
  const q = url.indexOf('?');
  if (q < 0) return { url };
  const params = new URLSearchParams(url.slice(q + 1));
  const host = params.get('host') ?? undefined;
  const port = params.get('port');
  if (host === undefined && port === null) return { url };
  params.delete('host');
  params.delete('port');
  const rest = params.toString();
  // An empty authority host ("user@/db") is not a valid URL for postgres.js's parser: give it a placeholder.
  const base = url.slice(0, q).replace(/@\//, '@localhost/').replace(/^([a-z]+:\/\/)\//i, '$1localhost/');
  return { url: base + (rest ? `?${rest}` : ''), host, port: port === null ? undefined : Number(port) };
}
