// One client connection: splits the byte stream into size-prefixed frames, decodes each request with its
// API module, runs handlers (reads concurrently; pipelined ones, i.e. Produce, start in arrival order and overlap
// once queued; everything else one at a time in arrival order) and writes
// responses strictly in request order. Bad input closes this connection only, with a rate-limited WARN line
// (runtime/log.ts RateLimitedWarn): ERROR is kept for the broker's own faults (a handler that throws). A request
// that failed because PostgreSQL is unreachable gets its API's retriable error (runtime/unavailable.ts). Closing
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
import { noResponse, type BrokerServices, type RequestContext, type Service } from './context.ts';
import { RateLimitedWarn } from './log.ts';
import type { ApiModule } from './registry.ts';
import type { RequestSeries } from './metrics.ts';
import { databaseOutage, isDatabaseUnavailable, unavailableResponse } from './unavailable.ts';
import { quotaManager } from './quotas.ts';
import type { ListenerSpec } from './listeners.ts';
import { SecuritySession } from './sasl/session.ts';
import { authenticator } from './sasl/authenticator.ts';

/** What a client may send on a SASL listener before it has authenticated (ApiVersions, SaslHandshake, SaslAuthenticate). */
const BEFORE_AUTHENTICATION = new Set([API_VERSIONS_KEY, 17, 36]);

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
  /** Size of the request frame (client quotas: producer_byte_rate). */
  requestBytes: number;
  /** Close the connection once this response is written (why). */
  closeAfter: string | null;
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
  /** A principal set from outside the SASL/TLS session (setPrincipal, or the broker's principalFor hook). */
  #principalOverride: string | null = null;
  /** Set once setPrincipal was called or principalFor was asked: principalFor is not asked again. */
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
  /** Date.now() until which the connection is muted (a client over its quota, KIP-219): nothing is read. */
  #mutedUntil = 0;
  #unmuteTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the connection closed, for the metrics (null: the client closed it). */
  #closeReason: string | null = null;
  readonly closed: Promise<void>;
  readonly #security: SecuritySession;

  constructor(socket: Socket, broker: BrokerServices, listener: ListenerSpec, certificatePrincipal: string | null = null) {
    this.#socket = socket;
    this.#broker = broker;
    this.#shared = connectionsShared(broker);
    // Every parked request listens on the signal; up to MAX_IN_FLIGHT of them is no leak, so no warning about it.
    setMaxListeners(MAX_IN_FLIGHT + 1, this.#abort.signal);
    this.#remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.clientHost = (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    this.#security = new SecuritySession(listener, this.clientHost, certificatePrincipal);
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

  /** The connection's principal: the SASL user or certificate subject (`User:ANONYMOUS` without either). */
  get principal(): string {
    return this.#principalOverride ?? this.#security.principal;
  }

  /** The listener the connection came in on. */
  get listenerName(): string {
    return this.#security.listener.name;
  }

  /** Sets the principal from outside the SASL/TLS session (tests, embedders); requests after it use it. */
  setPrincipal(principal: string): void {
    this.#principalOverride = principal;
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
    clearTimeout(this.#unmuteTimer);
    this.#abort.abort();
    this.#chunks = [];
    this.#buffered = 0;
    for (const slot of this.#slots) slot.frame = null;
  }

  #onData(chunk: Uint8Array): void {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    while (!this.#closed && this.#buffered >= 4 && !this.#muted()) {
      const head = this.#peek(4);
      const size = new DataView(head.buffer, head.byteOffset, 4).getInt32(0);
      const raw = this.#security.expectsRawToken;
      if (size < (raw ? 0 : 8) || size > this.#broker.config.socketRequestMaxBytes) {
        // A TLS ClientHello starts 0x16 0x03: a TLS client on a plaintext listener.
        if (head[0] === 0x16 && head[1] === 0x03) this.destroy('TLS handshake on a plaintext listener', { listener: this.#security.listener.name });
        else this.destroy('invalid frame size', { size, max: this.#broker.config.socketRequestMaxBytes });
        return;
      }
      if (this.#buffered < 4 + size) break;
      const frame = this.#take(4 + size).subarray(4);
      if (raw) this.#rawToken(frame);
      else this.#dispatch(frame);
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
    if (this.#paused && !this.#closed && this.#inFlight < MAX_IN_FLIGHT && !this.#socket.writableNeedDrain && !this.#broker.isClosing && !this.#muted()) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  #muted(): boolean {
    return this.#mutedUntil > Date.now();
  }

  /** Stops reading (and handling what is buffered) for `ms`: Kafka's throttling of a client over its quota. */
  #mute(ms: number): void {
    this.#mutedUntil = Math.max(this.#mutedUntil, Date.now() + ms);
    if (!this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
    clearTimeout(this.#unmuteTimer);
    this.#unmuteTimer = setTimeout(() => {
      this.#mutedUntil = 0;
      if (this.#closed) return;
      this.#onData(new Uint8Array(0)); // handles what arrived meanwhile
      this.#maybeResume();
    }, this.#mutedUntil - Date.now());
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
    const security = this.#security;
    if (!security.authenticated && !BEFORE_AUTHENTICATION.has(apiKey)) {
      this.destroy(`${schema.name} request before authentication`, { ...ids, listener: security.listener.name });
      return;
    }
    if (security.expired() && !BEFORE_AUTHENTICATION.has(apiKey)) {
      this.destroy('session expired without re-authentication', { ...ids, principal: security.principal });
      return;
    }
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
    const slot: Slot = { done: false, frame: null, start: performance.now(), stats: this.#broker.metrics.request(apiKey, supported ? apiVersion : -1, schema.name), closeAfter: null, requestBytes: frame.length + 4 };
    if (!this.#principalSet && !this.#security.listener.sasl) {
      this.#principalSet = true;
      const p = this.#broker.principalFor?.({ clientHost: this.clientHost, clientId, listenerName: this.listenerName });
      if (p) this.#principalOverride = p;
    }
    let queued = (): void => {};
    const released = mod.pipelined ? new Promise<void>((resolve) => (queued = resolve)) : null;
    const authorizer = this.#broker.authorizer;
    const session = { principal: this.principal, clientHost: this.clientHost };
    const ctx: RequestContext = {
      queued,
      broker: this.#broker,
      apiKey,
      apiVersion,
      correlationId,
      clientId,
      connectionId: this.id,
      remoteAddress: this.#remote,
      principal: session.principal,
      clientHost: this.clientHost,
      listenerName: this.listenerName,
      authorize: (op, type, name) => authorizer.authorize(session, op, type, name),
      authorizeAny: (op, type) => authorizer.authorizeAny(session, op, type),
      authorizedOperations: (type, name, supported) => authorizer.authorizedOperations(session, type, name, supported),
      signal: this.#abort.signal,
      security,
      closeAfterResponse: (reason: string) => (slot.closeAfter = reason),
    };
    slot.stats.requests.inc();
    slot.stats.kafkaRequests.inc();
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
      let response: unknown;
      try {
        response = await mod.handle(request, ctx);
      } catch (err) {
        // PostgreSQL unreachable: a retriable error for this request (one log line per outage, not per request).
        const answer = isDatabaseUnavailable(err) ? unavailableResponse(mod, request, ctx, encodeVersion) : null;
        if (answer === null) throw err;
        databaseOutage(this.#broker).report(err);
        slot.stats.errors.inc();
        response = answer;
      }
      const encode = (value: unknown) => {
        const w = new Writer(1024);
        const sizeAt = w.reserveInt32();
        writeResponseHeader(w, ctx.correlationId, responseHeaderVersion(ctx.apiKey, isFlexible(mod.schema, encodeVersion)));
        mod.encodeResponse(encodeVersion, w, value);
        w.setInt32At(sizeAt, w.pos - 4);
        return w.bytes();
      };
      if (response !== noResponse && !this.#closed) slot.frame = encode(response);
      const quotas = quotaManager(this.#broker);
      if (quotas.active && !this.#closed) {
        // Quotas name users without the principal type (`User:alice` is the user entity `alice`).
        const client = { user: ctx.principal.replace(/^User:/, ''), clientId: ctx.clientId ?? '' };
        const throttleMs = quotas.record(client, ctx.apiKey, slot.requestBytes, slot.frame?.length ?? 0, performance.now() - slot.start);
        if (throttleMs > 0) {
          // KIP-219: the answer goes out at once with the throttle time, then the connection is muted for it.
          const answer = response as { throttleTimeMs?: number };
          if (response !== noResponse && typeof answer === 'object' && answer !== null && 'throttleTimeMs' in answer) {
            slot.frame = encode({ ...answer, throttleTimeMs: Math.max(answer.throttleTimeMs ?? 0, throttleMs) });
          }
          this.#mute(throttleMs);
        }
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
      const ms = performance.now() - slot.start;
      slot.stats.duration.observe(ms / 1000);
      slot.stats.kafkaTotalTimeMs.observe(ms);
      slot.done = true;
      this.#inFlight--;
      this.#shared.requestsInFlight--;
      this.#flush();
    }
  }

  /** Closes the connection once what was written has gone out (the client reads the failure first). */
  #endAfterWrite(reason: string): void {
    if (this.#closed) return;
    this.#closeReason = reason;
    this.#release();
    this.#shared.closeLog.warn(`closing connection: ${reason}`, { conn: this.id, remote: this.#remote, listener: this.#security.listener.name });
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 1000).unref?.();
  }

  /** A raw SASL token (after SaslHandshake v0): answered size-prefixed; a failure closes the connection, as Kafka does. */
  #rawToken(token: Uint8Array): void {
    this.#inFlight++;
    const done = this.#allDone.then(async () => {
      try {
        const outcome = await this.#security.authenticate(token, authenticator(this.#broker), this.#broker.config.connectionsMaxReauthMs);
        if (this.#closed) return;
        if (outcome.kind === 'failed') {
          this.#endAfterWrite(`SASL authentication failed: ${outcome.logReason}`);
          return;
        }
        const out = new Uint8Array(4 + outcome.token.length);
        new DataView(out.buffer).setInt32(0, outcome.token.length);
        out.set(outcome.token, 4);
        this.#socket.write(out);
      } catch (err) {
        this.#broker.log.error('SASL authentication failed with an error', { conn: this.id, err: err as Error });
        this.destroy('handler error');
      } finally {
        this.#inFlight--;
      }
    });
    this.#gate = done;
    this.#allDone = done;
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
      if (slot.closeAfter !== null) this.#endAfterWrite(slot.closeAfter);
    }
    this.#maybePause();
    this.#maybeResume();
  }
}
