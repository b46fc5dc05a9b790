// A raw Kafka protocol client for tests: encodes requests with an API module's own encoder, frames them,
// and decodes responses in order. Also sends arbitrary bytes, for bad-input tests.

import { connect, type Socket } from 'node:net';
import { Reader } from '../../codec/reader.ts';
import { Writer } from '../../codec/writer.ts';
import { readResponseHeader, requestHeaderVersion, responseHeaderVersion, writeRequestHeader } from '../../codec/headers.ts';
import { isFlexible } from '../../codec/api-codec.ts';
import type { ApiModule } from '../../runtime/registry.ts';

/** The parts of an API module the client needs (any module in apis/ fits). */
export type ClientApi = Pick<ApiModule, 'schema' | 'encodeRequest' | 'decodeResponse'>;

interface Waiter {
  resolve(frame: Uint8Array): void;
  reject(err: Error): void;
}

export class RawClient {
  readonly socket: Socket;
  #buffer = new Uint8Array(0);
  #waiters: Waiter[] = [];
  #correlationId = 1;
  #closed = false;
  readonly closed: Promise<void>;
  /** The client id of the requests' headers. */
  clientId: string | null = 'raw-test';

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Uint8Array) => this.#onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w.reject(new Error('connection closed'));
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** A client on an already connected socket (a TLS one, say). */
  static wrap(socket: Socket): RawClient {
    return new RawClient(socket);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  #onData(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    this.#buffer = joined;
    while (this.#buffer.length >= 4) {
      const size = new DataView(this.#buffer.buffer, this.#buffer.byteOffset).getInt32(0);
      if (this.#buffer.length < 4 + size) break;
      const frame = this.#buffer.slice(4, 4 + size);
      this.#buffer = this.#buffer.slice(4 + size);
      const w = this.#waiters.shift();
      if (w) w.resolve(frame);
    }
  }

  /** Encodes a request (header + body) without sending it. */
  encode<Req>(api: ClientApi, version: number, body: Req, correlationId = this.#correlationId++): Uint8Array {
    const w = new Writer();
    const at = w.reserveInt32();
    writeRequestHeader(
      w,
      { apiKey: api.schema.apiKey, apiVersion: version, correlationId, clientId: this.clientId },
      requestHeaderVersion(api.schema.apiKey, isFlexible(api.schema, version)),
    );
    api.encodeRequest(version, w, body);
    w.setInt32At(at, w.pos - 4);
    return w.bytes().slice();
  }

  /** Sends a request and resolves with the decoded response. */
  async request<Res = Record<string, unknown>>(api: ClientApi, version: number, body: unknown): Promise<Res> {
    const correlationId = this.#correlationId++;
    const frame = await this.sendFrame(this.encode(api, version, body, correlationId));
    const r = new Reader(frame);
    const got = readResponseHeader(r, responseHeaderVersion(api.schema.apiKey, isFlexible(api.schema, version)));
    if (got !== correlationId) throw new Error(`correlation id ${got}, expected ${correlationId}`);
    const res = api.decodeResponse(version, r) as Res;
    if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after decoding ${api.schema.name} v${version}`);
    return res;
  }

  /** Sends bytes as they are; resolves with the next response frame (without its size). */
  sendFrame(bytes: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new Error('connection closed'));
      this.#waiters.push({ resolve, reject });
      this.socket.write(bytes);
    });
  }

  /** Sends bytes and expects no answer (e.g. acks=0). */
  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
