// Admin API routes for consumer groups: list (state, members, total lag), detail (members and assignments,
// committed offsets and lag per partition, lag history), reset offsets (only while the group is empty, Kafka's
// rule) and delete.

import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { BrokerServices } from '../../context.ts';
import * as S from './schemas.ts';
import { errors, json, jsonBody } from './openapi.ts';
import { commitGroupOffsets, deleteGroup, describeGroup, groupLag, listGroups, topicOrThrow } from './kafka.ts';
import { consoleSampler } from '../../console/sampler.ts';
import { ApiError } from './context.ts';

/** Group states in which offsets may be reset (Kafka's kafka-consumer-groups --reset-offsets: no active members). */
const RESETTABLE = new Set(['Empty', 'Dead']);

export async function groupSummaries(broker: BrokerServices) {
  const groups = await listGroups(broker);
  return Promise.all(groups.map(async (g) => {
    const [described, lag] = await Promise.all([
      g.type === 'classic' || g.type === '' ? describeGroup(broker, g.groupId).catch(() => null) : Promise.resolve(null),
      groupLag(broker, g.groupId).catch(() => []),
    ]);
    return { groupId: g.groupId, state: g.state, type: g.type, protocolType: g.protocolType, members: described?.members.length ?? 0, lag: lag.reduce((s, r) => s + r.lag, 0) };
  }));
}

export async function groupDetail(broker: BrokerServices, groupId: string) {
  const [g, offsets] = await Promise.all([describeGroup(broker, groupId), groupLag(broker, groupId)]);
  if (g.state === 'Dead' && offsets.length === 0) throw new ApiError(404, 'GROUP_ID_NOT_FOUND', `Group '${groupId}' does not exist.`);
  return { ...g, offsets, lag: offsets.reduce((s, r) => s + r.lag, 0), lagHistory: consoleSampler(broker).lag(groupId) };
}

export function groupRoutes(app: OpenAPIHono, broker: BrokerServices): void {
  app.openapi(createRoute({
    method: 'get', path: '/api/groups', tags: ['groups'], summary: 'Consumer groups with state, members and total lag',
    responses: { 200: json(S.GroupList, 'Every group'), ...errors },
  }), async (c) => c.json({ groups: await groupSummaries(broker) }, 200));

  app.openapi(createRoute({
    method: 'get', path: '/api/groups/{group}', tags: ['groups'], summary: 'A group: members, assignments, committed offsets and lag per partition',
    request: { params: S.GroupParam }, responses: { 200: json(S.GroupDetail, 'The group'), ...errors },
  }), async (c) => c.json(await groupDetail(broker, c.req.valid('param').group), 200));

  app.openapi(createRoute({
    method: 'post', path: '/api/groups/{group}/reset-offsets', tags: ['groups'], summary: 'Reset committed offsets to earliest, latest, a timestamp or an offset (empty groups only)',
    request: { params: S.GroupParam, body: jsonBody(S.ResetOffsets) }, responses: { 200: json(S.ResetResult, 'The offsets committed'), ...errors },
  }), async (c) => {
    const { group } = c.req.valid('param');
    const body = c.req.valid('json');
    const described = await describeGroup(broker, group);
    if (!RESETTABLE.has(described.state)) {
      throw new ApiError(409, 'NON_EMPTY_GROUP', `Group '${group}' is ${described.state}: offsets can be reset only while it has no members.`);
    }
    const topic = await topicOrThrow(broker, body.topic);
    const partitions = body.partitions ?? Array.from({ length: topic.partitions }, (_, i) => i);
    const bad = partitions.find((p) => p >= topic.partitions);
    if (bad !== undefined) throw new ApiError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic.name}' has no partition ${bad}.`);
    if (body.to === 'timestamp' && body.timestamp === undefined) throw new ApiError(400, 'INVALID_REQUEST', 'to=timestamp needs a timestamp.');
    if (body.to === 'offset' && body.offset === undefined) throw new ApiError(400, 'INVALID_REQUEST', 'to=offset needs an offset.');
    const offsets = await Promise.all(partitions.map(async (partition) => {
      const o = await broker.store.offsets(topic, partition);
      let offset: number;
      if (body.to === 'earliest') offset = o.logStartOffset;
      else if (body.to === 'latest') offset = o.highWatermark;
      else if (body.to === 'timestamp') offset = (await broker.store.offsetForTimestamp(topic, partition, body.timestamp!))?.offset ?? o.highWatermark;
      // Like kafka-consumer-groups: an offset outside the log is moved to its nearest end.
      else offset = Math.min(o.highWatermark, Math.max(o.logStartOffset, body.offset!));
      return { partition, offset };
    }));
    await commitGroupOffsets(broker, group, topic.name, offsets);
    return c.json({ offsets: offsets.map((o) => ({ topic: topic.name, ...o })) }, 200);
  });

  app.openapi(createRoute({
    method: 'delete', path: '/api/groups/{group}', tags: ['groups'], summary: 'Delete an empty group and its offsets (DeleteGroups)',
    request: { params: S.GroupParam }, responses: { 200: json(S.Ok, 'Deleted'), ...errors },
  }), async (c) => {
    await deleteGroup(broker, c.req.valid('param').group);
    return c.json({ ok: true as const }, 200);
  });
}
