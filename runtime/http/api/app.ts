// The admin HTTP API (/api/...): an OpenAPIHono app whose routes validate their input with the zod schemas in
// schemas.ts and describe themselves in the OpenAPI document at /api/openapi.json. Errors answer
// `{ error, message }`. With --http-read-only every write (POST, PATCH, PUT, DELETE) answers 403.
// `auth` is the single hook point for authentication (HTTP basic auth against SASL users, branch `sasl`).

import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { BrokerServices } from '../../context.ts';
import { ApiError } from './context.ts';
import { topicRoutes } from './topics.ts';
import { groupRoutes } from './groups.ts';
import { clusterRoutes, shadowStubRoutes } from './cluster.ts';

export interface AdminAppOptions {
  /** Runs before every /api and console request: authentication goes here. */
  auth?: MiddlewareHandler;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function readOnlyGuard(readOnly: () => boolean): MiddlewareHandler {
  return async (c, next) => {
    if (readOnly() && WRITES.has(c.req.method)) {
      return c.json({ error: 'READ_ONLY', message: 'This endpoint is read-only (--http-read-only): writes are turned off.' }, 403);
    }
    await next();
  };
}

export function createApiApp(broker: BrokerServices, options: AdminAppOptions = {}): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        return c.json({ error: 'INVALID_REQUEST', message: issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'invalid input' }, 400);
      }
    },
  });
  if (options.auth) app.use('/api/*', options.auth);
  app.use('/api/*', readOnlyGuard(() => broker.config.httpReadOnly));
  clusterRoutes(app, broker);
  topicRoutes(app, broker);
  groupRoutes(app, broker);
  shadowStubRoutes(app);
  app.doc('/api/openapi.json', {
    openapi: '3.0.3',
    info: { title: 'pg-kafka admin API', version: '1', description: 'Topics, messages, groups and lag, transactions. Errors: `{ error, message }`, `error` a Kafka error name where one applies.' },
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json({ error: err.error, message: err.message }, err.status);
    if (err instanceof SyntaxError) return c.json({ error: 'INVALID_REQUEST', message: 'The body is not valid JSON.' }, 400);
    broker.log.error('admin api request failed', { err, path: c.req.path });
    return c.json({ error: 'UNKNOWN_SERVER_ERROR', message: 'The request failed on the broker (see its log).' }, 500);
  });
  app.all('/api/*', (c) => c.json({ error: 'NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}.` }, 404));
  return app;
}
