// The operations HTTP app (hono): liveness and readiness probes and Prometheus metrics. It knows nothing of the
// runtime or the broker's internals: the broker hands it an OpsTarget, and runtime/http/serve.ts serves it.

import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics.ts';
import type { ShadowStatusRow } from '../../store/shadow.ts';
import { shadowRoutes } from './shadow.ts';

export interface OpsTarget {
  /** 'starting' until the broker serves Kafka clients, 'serving', then 'closing' once shutdown begins. */
  state(): 'starting' | 'serving' | 'closing';
  /** Resolves when PostgreSQL answers a query (store/health.ts). */
  ping(): Promise<void>;
  /** Every metric in Prometheus text format 0.0.4 (some read from PostgreSQL at scrape time). */
  metrics(): string | Promise<string>;
  /**
   * With SASL listeners: checks HTTP basic auth credentials against the SASL users (as PLAIN does). Every path but
   * /health/* then needs them (401, `WWW-Authenticate: Basic`, a JSON reason). Unset: no authentication.
   */
  authenticate?: (user: string, password: string) => Promise<boolean>;
  /** Shadow mode's status rows (GET /api/shadow), when the broker shadows topics to an external cluster. */
  shadowStatus?: (topic?: string) => Promise<ShadowStatusRow[]>;
}

export interface OpsAppOptions {
  /** How long readiness waits for PostgreSQL before answering 503 (default 1000 ms). */
  readyTimeoutMs?: number;
}

/**
 * GET /health/live: 200 while the process runs. GET /health/ready: 200 when the broker serves and PostgreSQL
 * answers within the timeout, else 503 with `{ status, reason }`. GET /metrics: Prometheus text format 0.0.4.
 * With target.authenticate, everything but /health/* requires HTTP basic auth.
 */
export function createOpsApp(target: OpsTarget, options: OpsAppOptions = {}): Hono {
  const timeoutMs = options.readyTimeoutMs ?? 1000;
  const app = new Hono();
  const authenticate = target.authenticate;
  if (authenticate) {
    const check = basicAuth({
      realm: 'pg-kafka',
      verifyUser: (user, password) => authenticate(user, password),
      invalidUserMessage: { status: 'unauthorized', reason: 'valid SASL user credentials (HTTP basic auth) are required' },
    });
    app.use('*', (c, next) => (c.req.path.startsWith('/health/') ? next() : check(c, next)));
  }
  app.get('/health/live', (c) => c.json({ status: 'live' }));
  app.get('/health/ready', async (c) => {
    const state = target.state();
    if (state !== 'serving') {
      return c.json({ status: 'not ready', reason: state === 'closing' ? 'broker is shutting down' : 'broker is not listening yet' }, 503);
    }
    const problem = await databaseProblem(target, timeoutMs);
    if (problem !== null) return c.json({ status: 'not ready', reason: problem }, 503);
    return c.json({ status: 'ready' });
  });
  app.get('/metrics', async (c) => c.body(await target.metrics(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }));
  if (target.shadowStatus) app.route('/api/shadow', shadowRoutes(target.shadowStatus));
  return app;
}

/** Null when PostgreSQL answered within `timeoutMs`, else what went wrong. */
async function databaseProblem(target: OpsTarget, timeoutMs: number): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`database did not answer within ${timeoutMs} ms`), timeoutMs)));
  const answer = target.ping().then(
    () => null,
    (err: unknown) => `database: ${(err as Error)?.message ?? String(err)}`,
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
