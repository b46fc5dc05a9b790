// A TCP proxy in front of a test broker that injects retries: it forwards bytes both ways and, after forwarding a
// Produce request, may wait a moment (so the broker appends) and then cut the connection, losing the answer. An
// idempotent client then sends the same batch again on a new connection. The broker must advertise the proxy's
// port (advertisedPort), so that clients come back through it after reading Metadata.

import { createServer, connect, type Server, type Socket } from 'node:net';

const PRODUCE_KEY = 0;

export interface DropPolicy {
  /** Chance of cutting the connection after a Produce request (0..1). */
  probability: number;
  /** Wait this long after forwarding the request before cutting (the broker appends meanwhile). */
  delayMs: number;
  /** Cut at most this many times. */
  max: number;
}

export class FaultProxy {
  readonly server: Server;
  targetPort = 0;
  policy: DropPolicy = { probability: 0, delayMs: 0, max: 0 };
  /** Connections cut after a Produce request. */
  drops = 0;
  /** Produce requests forwarded. */
  produces = 0;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server);
    server.on('connection', (socket) => proxy.#accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return proxy;
  }

  get port(): number {
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** While true, the target looks down: open connections are cut and new ones closed at once. */
  get down(): boolean {
    return this.#down;
  }
  set down(value: boolean) {
    this.#down = value;
    if (value) for (const s of this.#sockets) s.destroy();
  }
  #down = false;

  #accept(client: Socket): void {
    if (this.#down) {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', cut);
    upstream.on('close', cut);
    let pending = new Uint8Array(0);
    // Once a cut is decided, nothing more goes either way: the answer to the Produce request is lost.
    let cutting = false;
    upstream.on('data', (chunk: Uint8Array) => {
      if (!cutting && !client.destroyed) client.write(chunk);
    });
    client.on('data', (chunk: Uint8Array) => {
      if (cutting) return;
      upstream.write(chunk);
      const joined = new Uint8Array(pending.length + chunk.length);
      joined.set(pending);
      joined.set(chunk, pending.length);
      pending = joined;
      while (pending.length >= 6) {
        const view = new DataView(pending.buffer, pending.byteOffset, pending.length);
        const size = view.getInt32(0);
        if (pending.length < 4 + size) break;
        const apiKey = view.getInt16(4);
        pending = pending.slice(4 + size);
        if (apiKey !== PRODUCE_KEY) continue;
        this.produces++;
        if (this.drops < this.policy.max && Math.random() < this.policy.probability) {
          this.drops++;
          cutting = true;
          setTimeout(cut, this.policy.delayMs);
          return;
        }
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
