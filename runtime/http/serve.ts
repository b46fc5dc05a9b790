// Serves a fetch handler (a hono app's `fetch`) over node:http, the same on Node and Deno: each IncomingMessage
// becomes a web Request, and the handler's Response body is streamed back to the ServerResponse chunk by chunk
// (server-sent events stay open; the stream is cancelled when the client goes away).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Buffer } from 'node:buffer';

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface HttpServer {
  /** The port bound (useful with port 0). */
  readonly port: number;
  /** Stops accepting, ends open connections and resolves when the server has closed. */
  close(): Promise<void>;
}

export async function serveHttp(fetch: FetchHandler, host: string, port: number, onError: (err: Error) => void = () => {}): Promise<HttpServer> {
  const server = createServer((req, res) => {
    respond(fetch, req, res).catch((err: Error) => {
      onError(err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    }),
  };
}

async function respond(fetch: FetchHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  let body: Uint8Array | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of req) chunks.push(chunk as Uint8Array);
    body = Buffer.concat(chunks);
  }
  const path = req.url?.startsWith('/') ? req.url : '/';
  // The Host header is not trusted for the URL: the routes only need the path.
  const request = new Request(new URL('http://localhost' + path), { method, headers, body });
  const response = await fetch(request);
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  res.writeHead(response.status, out);
  if (method === 'HEAD' || response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const gone = () => void reader.cancel().catch(() => {});
  res.once('close', gone);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
      if (res.destroyed) break;
    }
  } finally {
    res.off('close', gone);
    res.end();
  }
}
