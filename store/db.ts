// Opens a postgres.js pool the way the store wants it: TCP_NODELAY on every TCP socket, int8 as a JS number,
// notices silenced, and libpq-style Unix-socket URLs (postgresql://user:pass@/db?host=/run/postgresql).
import net from 'node:net';
import postgres, { type Sql } from 'postgres';

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

/** int8 parsed as a JS number: offsets, timestamps and producer ids all stay below 2^53. */
const int8AsNumber = {
  to: 20,
  from: [20],
  serialize: (value: number | bigint) => String(value),
  parse: (value: string) => Number(value),
};

export function connect(url: string, options: ConnectOptions = {}): Sql {
  const target = splitSocketParams(url);
  const unixSocket = target.host?.startsWith('/') ?? false;
  const noDelay = options.noDelay ?? true;
  const connectTimeout = options.connectTimeout ?? 30;
  const sql = postgres(target.url, {
    max: options.max ?? 10,
    onnotice: () => {},
    types: { bigint: int8AsNumber },
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
