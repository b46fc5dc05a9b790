// The operations HTTP app (hono): liveness and readiness probes and Prometheus metrics. It knows nothing of the
// runtime or the broker's internals: the broker hands it an OpsTarget, and runtime/http/serve.ts serves it.

import { Hono } from 'hono';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics.ts';
import type { ShadowStatusRow } from '../../store/shadow.ts';
import { shadowRoutes } from './shadow.ts';

export interface OpsTarget {
  /** 'starting' until the broker serves Kafka clients, 'serving', then 'closing' once shutdown begins. */
  state(): 'starting' | 'serving' | 'closing';
  /** Resolves when PostgreSQL answers a query (store/health.ts). */
  ping(): Promise<void>;
  /** Every metric in Prometheus text format 0.0.4. */
  metrics(): string;
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
 */
export function createOpsApp(target: OpsTarget, options: OpsAppOptions = {}): Hono {
  const timeoutMs = options.readyTimeoutMs ?? 1000;
  const app = new Hono();
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
  app.get('/metrics', (c) => c.body(target.metrics(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }));
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
