// Opens a postgres.js pool the way the store wants it: TCP_NODELAY on every TCP socket, int8 as a JS number (a
// bigint beyond 2^53, never rounded), Kafka strings in text and jsonb through store/pg-text.ts (U+0000 included),
// notices silenced, and libpq-style Unix-socket URLs (postgresql://user:pass@/db?host=/run/postgresql).
import net from 'node:net';
import postgres, { type Sql } from 'postgres';
import { fromPgJson, fromPgText, toPgJson, toPgText } from './pg-text.ts';
import type { Int64 } from '../codec/int64.ts';

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
  const connectTimeout = options.connectTimeout ?? 30;
  const sql = postgres(target.url, {
    max: options.max ?? 10,
    onnotice: () => {},
    types: { bigint: int8AsNumber, text: kafkaText, json: kafkaJson },
    connect_timeout: connectTimeout,
    connection: { application_name: options.applicationName ?? 'pg-kafka', ...options.settings },
    ...(target.host !== undefined ? { host: target.host } : {}),
    ...(target.port !== undefined ? { port: target.port } : {}),
    ...(!unixSocket && noDelay ? { socket: (o: SocketTarget) => openTcp(o, connectTimeout * 1000) } : {}),
  });
  return sql as unknown as Sql;
}

interface SocketTarget {
  host: string[];
  port: number[];
}

/** Connects to the first reachable host with TCP_NODELAY set, for postgres.js's `socket` option. */
async function openTcp(target: SocketTarget, timeoutMs: number): Promise<net.Socket> {
  let lastError: unknown;
  for (let i = 0; i < target.host.length; i++) {
    try {
      return await connectOne(target.host[i], target.port[i] ?? target.port[0], timeoutMs);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function connectOne(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
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
