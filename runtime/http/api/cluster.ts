// Admin API routes for the cluster (id, live brokers), transactions and producers, and shadow status.

import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { BrokerServices } from '../../context.ts';
import * as S from './schemas.ts';
import { errors, json } from './openapi.ts';
import { producers, transactions } from './kafka.ts';

export function clusterInfo(broker: BrokerServices) {
  return { clusterId: broker.clusterId, controllerId: broker.cluster.controllerId(), brokers: [...broker.cluster.brokers()], readOnly: broker.config.httpReadOnly };
}

export function clusterRoutes(app: OpenAPIHono, broker: BrokerServices): void {
  app.openapi(createRoute({
    method: 'get', path: '/api/cluster', tags: ['cluster'], summary: 'Cluster id, controller and live brokers',
    responses: { 200: json(S.Cluster, 'The cluster'), ...errors },
  }), (c) => c.json(clusterInfo(broker), 200));

  app.openapi(createRoute({
    method: 'get', path: '/api/transactions', tags: ['transactions'], summary: 'Transactions (ListTransactions) and active producers (DescribeProducers)',
    responses: { 200: json(S.Transactions, 'Transactions and producers'), ...errors },
  }), async (c) => {
    const [txns, prods] = await Promise.all([transactions(broker), broker.store.listTopics().then((t) => producers(broker, t))]);
    return c.json({ transactions: txns, producers: prods }, 200);
  });
}

// STUB (replaced by the shadow-mode work, branch `shadow`): until shadow mode exists this answers "not enabled,
// no topics". A module runtime/http/api/shadow-routes.ts exporting shadowRoutes(app, broker) takes over when present.
export function shadowStubRoutes(app: OpenAPIHono): void {
  app.openapi(createRoute({
    method: 'get', path: '/api/shadow', tags: ['shadow'], summary: 'Shadow mode status (not built yet: always disabled)',
    responses: { 200: json(S.ShadowStatus, 'Shadow status') },
  }), (c) => c.json({ enabled: false, topics: [] }, 200));
}
