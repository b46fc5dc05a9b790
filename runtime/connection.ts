// One client connection: splits the byte stream into size-prefixed frames, decodes each request with its
// API module, runs handlers (reads concurrently; pipelined ones, i.e. Produce, start in arrival order and overlap
// once queued; everything else one at a time in arrival order) and writes
// responses strictly in request order. Bad input closes this connection only, with a rate-limited WARN line
// (runtime/log.ts RateLimitedWarn): ERROR is kept for the broker's own faults (a handler that throws). Closing
// releases everything the connection held: its AbortSignal (ctx.signal) ends parked waits such as Fetch long
// polls at once, and buffered bytes and finished answers are dropped. Counts requests, their durations and
// errors, and closed connections by reason, into the broker's metrics.

import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Reader, DecodeError } from '../codec/reader.ts';
import { Writer } from '../codec/writer.ts';
import {
  API_VERSIONS_KEY,
  readRequestHeaderRest,
  readRequestHeaderStart,
  requestHeaderVersion,
  responseHeaderVersion,
  writeResponseHeader,
} from '../codec/headers.ts';
import { isFlexible } from '../codec/api-codec.ts';
import { ANONYMOUS, noResponse, type BrokerServices, type RequestContext, type Service } from './context.ts';
import { RateLimitedWarn } from './log.ts';
import type { ApiModule } from './registry.ts';
import type { RequestSeries } from './metrics.ts';

/** Most requests a connection may have in progress before we stop reading from it. */
const MAX_IN_FLIGHT = 128;

/** Closed connections (bad input, mostly) are logged at most this many times per interval, per broker. */
const CLOSE_LOG_MAX_LINES = 20;
const CLOSE_LOG_INTERVAL_MS = 10_000;

/** What a broker's connections share: the rate-limited WARN for closing them, and their requests in flight. */
export class ConnectionsShared implements Service {
  readonly closeLog: RateLimitedWarn;
  /** Requests read and not finished, over every connection, closed ones included (for tests). */
  requestsInFlight = 0;

  constructor(broker: BrokerServices) {
    this.closeLog = new RateLimitedWarn(broker.log, CLOSE_LOG_MAX_LINES, CLOSE_LOG_INTERVAL_MS);
  }

  close(): void {
    this.closeLog.close();
  }
}

/** The broker's ConnectionsShared, created on first use. */
export function connectionsShared(broker: BrokerServices): ConnectionsShared {
  return broker.service('connections', (b) => new ConnectionsShared(b));
}

interface Slot {
  done: boolean;
  frame: Uint8Array | null;
  /** performance.now() when the request was read. */
  start: number;
  stats: RequestSeries;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  readonly #socket: Socket;
  readonly #broker: BrokerServices;
  readonly #shared: ConnectionsShared;
  readonly #remote: string;
  /** The client's IP address (IPv4-mapped IPv6 addresses as plain IPv4, as Java shows them). */
  readonly clientHost: string;
  readonly listenerName = 'PLAINTEXT';
  #principal = ANONYMOUS;
  /** Set once authentication succeeded (or principalFor was asked): principalFor is not asked again. */
  #principalSet = false;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #slots: Slot[] = [];
  /** Settles when the next pipelined request may start (the previous one queued its work, or finished). */
  #gate: Promise<unknown> = Promise.resolve();
  /** Settles when every earlier non-concurrent request has finished. */
  #allDone: Promise<unknown> = Promise.resolve();
  #inFlight = 0;
  #closed = false;
  #paused = false;
  /** Aborted when the connection closes: whatever a request of this connection waits for stops waiting. */
  readonly #abort = new AbortController();
  /** Why the connection closed, for the metrics (null: the client closed it). */
  #closeReason: string | null = null;
  readonly closed: Promise<void>;

  constructor(socket: Socket, broker: BrokerServices) {
    this.#socket = socket;
    this.#broker = broker;
    this.#shared = connectionsShared(broker);
    // Every parked request listens on the signal; up to MAX_IN_FLIGHT of them is no leak, so no warning about it.
    setMaxListeners(MAX_IN_FLIGHT + 1, this.#abort.signal);
    this.#remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.clientHost = (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Uint8Array) => this.#onData(chunk));
    socket.on('error', (err) => {
      this.#closeReason ??= 'socket error';
      broker.log.debug('connection error', { conn: this.id, remote: this.#remote, err: err.message });
    });
    socket.on('close', () => {
      this.#release();
      broker.metrics.connectionClosed(this.#closeReason ?? 'client');
    });
    socket.on('drain', () => this.#maybeResume());
  }

  /** The connection's principal (`User:ANONYMOUS` until authentication sets another). */
  get principal(): string {
    return this.#principal;
  }

  /** Sets the principal the connection authenticated as (the SASL layer calls it); requests after it use it. */
  setPrincipal(principal: string): void {
    this.#principal = principal;
    this.#principalSet = true;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Stops reading; in-flight requests still get their responses; then the socket ends. */
  async drain(): Promise<void> {
    this.#socket.pause();
    this.#paused = true;
    this.#closeReason ??= 'shutdown';
    while (this.#inFlight > 0 && !this.#closed) await new Promise((r) => setTimeout(r, 10));
    this.#socket.end();
  }

  destroy(reason: string, fields: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#closeReason = reason;
    this.#release();
    this.#shared.closeLog.warn(`closing connection: ${reason}`, { conn: this.id, remote: this.#remote, ...fields });
    this.#socket.destroy();
  }

  /**
   * The connection is gone: parked requests stop waiting (the signal), and bytes not yet framed and answers not
   * yet written are dropped. Requests still running finish on their own; their answers are not sent.
   */
  #release(): void {
    this.#closed = true;
    this.#abort.abort();
    this.#chunks = [];
    this.#buffered = 0;
    for (const slot of this.#slots) slot.frame = null;
  }

  #onData(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (!this.#closed && this.#buffered >= 4) {
      const head = this.#peek(4);
      const size = new DataView(head.buffer, head.byteOffset, 4).getInt32(0);
      if (size < 8 || size > this.#broker.config.socketRequestMaxBytes) {
        this.destroy('invalid frame size', { size, max: this.#broker.config.socketRequestMaxBytes });
        return;
      }
      if (this.#buffered < 4 + size) break;
      const frame = this.#take(4 + size).subarray(4);
      this.#dispatch(frame);
    }
    this.#maybePause();
  }

  #peek(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first.length >= n) return first;
    const joined = this.#concat();
    return joined;
  }

  #concat(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0];
    const all = new Uint8Array(this.#buffered);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.#chunks = [all];
    return all;
  }

  #take(n: number): Uint8Array {
    let first = this.#chunks[0];
    if (first.length < n) first = this.#concat();
    const out = first.subarray(0, n);
    if (first.length === n) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(n);
    this.#buffered -= n;
    return out;
  }

  #maybePause(): void {
    if (!this.#paused && (this.#inFlight >= MAX_IN_FLIGHT || this.#socket.writableNeedDrain)) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  #maybeResume(): void {
    if (this.#paused && !this.#closed && this.#inFlight < MAX_IN_FLIGHT && !this.#socket.writableNeedDrain && !this.#broker.isClosing) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  #dispatch(frame: Uint8Array): void {
    const r = new Reader(frame);
    const { apiKey, apiVersion, correlationId } = readRequestHeaderStart(r);
    const ids = { apiKey, apiVersion, correlationId };
    const mod = this.#broker.registry.get(apiKey);
    if (!mod) {
      this.destroy('unknown api key', ids);
      return;
    }
    const { schema } = mod;
    const supported = apiVersion >= schema.minVersion && apiVersion <= schema.maxVersion;
    if (!supported && apiKey !== API_VERSIONS_KEY) {
      this.destroy(`unsupported version of ${schema.name}`, { ...ids, min: schema.minVersion, max: schema.maxVersion });
      return;
    }
    let request: unknown;
    let clientId: string | null = null;
    try {
      if (supported) {
        clientId = readRequestHeaderRest(r, requestHeaderVersion(apiKey, isFlexible(schema, apiVersion)));
        request = mod.decodeRequest(apiVersion, r);
      } else {
        // ApiVersions at a version we don't know: answered in the v0 layout with UNSUPPORTED_VERSION.
        request = { unsupportedVersion: true };
      }
    } catch (err) {
      this.destroy(err instanceof DecodeError ? 'malformed request' : 'request decode failed', { ...ids, err: (err as Error).message });
      return;
    }
    if (!this.#principalSet) {
      this.#principalSet = true;
      const p = this.#broker.principalFor?.({ clientHost: this.clientHost, clientId, listenerName: this.listenerName });
      if (p) this.#principal = p;
    }
    let queued = (): void => {};
    const released = mod.pipelined ? new Promise<void>((resolve) => (queued = resolve)) : null;
    const authorizer = this.#broker.authorizer;
    const session = { principal: this.#principal, clientHost: this.clientHost };
    const ctx: RequestContext = {
      queued,
      broker: this.#broker,
      apiKey,
      apiVersion,
      correlationId,
      clientId,
      connectionId: this.id,
      remoteAddress: this.#remote,
      principal: this.#principal,
      clientHost: this.clientHost,
      listenerName: this.listenerName,
      authorize: (op, type, name) => authorizer.authorize(session, op, type, name),
      authorizeAny: (op, type) => authorizer.authorizeAny(session, op, type),
      authorizedOperations: (type, name, supported) => authorizer.authorizedOperations(session, type, name, supported),
      signal: this.#abort.signal,
    };
    const stats = this.#broker.metrics.request(apiKey, supported ? apiVersion : -1, schema.name);
    stats.requests.inc();
    const slot: Slot = { done: false, frame: null, start: performance.now(), stats };
    this.#slots.push(slot);
    this.#inFlight++;
    this.#shared.requestsInFlight++;
    const run = () => this.#run(mod, request, ctx, slot, supported ? apiVersion : 0);
    // #run never rejects: failures are answered or close the connection there.
    if (mod.concurrent) {
      void run();
    } else if (released) {
      const done = this.#gate.then(run);
      this.#gate = Promise.race([released, done]);
      this.#allDone = Promise.all([this.#allDone, done]);
    } else {
      const done = this.#allDone.then(run);
      this.#gate = done;
      this.#allDone = done;
    }
  }

  async #run(mod: ApiModule, request: unknown, ctx: RequestContext, slot: Slot, encodeVersion: number): Promise<void> {
    try {
      const response = await mod.handle(request, ctx);
      if (response !== noResponse && !this.#closed) {
        const w = new Writer(1024);
        const sizeAt = w.reserveInt32();
        writeResponseHeader(w, ctx.correlationId, responseHeaderVersion(ctx.apiKey, isFlexible(mod.schema, encodeVersion)));
        mod.encodeResponse(encodeVersion, w, response);
        w.setInt32At(sizeAt, w.pos - 4);
        slot.frame = w.bytes();
      }
    } catch (err) {
      slot.stats.errors.inc();
      this.#broker.log.error('request failed', {
        conn: this.id,
        remote: this.#remote,
        api: mod.schema.name,
        apiKey: ctx.apiKey,
        apiVersion: ctx.apiVersion,
        correlationId: ctx.correlationId,
        err: err as Error,
      });
      this.destroy('handler error', { apiKey: ctx.apiKey, apiVersion: ctx.apiVersion, correlationId: ctx.correlationId });
    } finally {
      slot.stats.duration.observe((performance.now() - slot.start) / 1000);
      slot.done = true;
      this.#inFlight--;
      this.#shared.requestsInFlight--;
      this.#flush();
    }
  }

  #flush(): void {
    if (this.#closed) {
      // Nothing more goes out: the slots of finished requests go at once, wherever they are in line.
      this.#slots = this.#slots.filter((s) => !s.done);
      return;
    }
    while (this.#slots.length > 0 && this.#slots[0].done) {
      const slot = this.#slots.shift() as Slot;
      if (slot.frame && !this.#closed) this.#socket.write(slot.frame);
    }
    this.#maybePause();
    this.#maybeResume();
  }
}
