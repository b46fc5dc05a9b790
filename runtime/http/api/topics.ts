// Admin API routes for topics: list (paginated, with sizes and produce rates), create, detail, delete, add
// partitions, configs (describe and alter), messages (browse, produce, delete records).

import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { BrokerServices } from '../../context.ts';
import * as S from './schemas.ts';
import { errors, json, jsonBody } from './openapi.ts';
import { addPartitions, alterTopicConfigs, createTopic, deleteRecords, deleteTopic, produce, topicConfigs, topicOrThrow } from './kafka.ts';
import { browse } from './messages.ts';
import { consoleSampler } from '../../console/sampler.ts';
import { partitionForKey } from '../../../codec/murmur2.ts';
import { ApiError } from './context.ts';
import type { Topic } from '../../../store/types.ts';

/** Sizes and offsets of every partition of `topics`. */
export async function partitionStats(broker: BrokerServices, topics: Topic[]) {
  const parts = topics.flatMap((topic) => Array.from({ length: topic.partitions }, (_, partition) => ({ topic, partition })));
  const [offsets, usage] = await Promise.all([broker.store.offsetsMany(parts), broker.store.logDirUsage(topics.map((t) => t.name))]);
  const bytes = new Map(usage.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, p.bytes]));
  return parts.map((p, i) => ({
    topic: p.topic.name,
    partition: p.partition,
    logStartOffset: offsets[i].logStartOffset,
    highWatermark: offsets[i].highWatermark,
    lastStableOffset: offsets[i].lastStableOffset ?? offsets[i].highWatermark,
    records: offsets[i].highWatermark - offsets[i].logStartOffset,
    bytes: bytes.get(`${p.topic.name}\u0000${p.partition}`) ?? 0,
  }));
}

export async function topicSummaries(broker: BrokerServices, topics: Topic[]) {
  const stats = await partitionStats(broker, topics);
  const sampler = consoleSampler(broker);
  return topics.map((t) => {
    const mine = stats.filter((s) => s.topic === t.name);
    const history = sampler.rates(t.name);
    return {
      name: t.name, topicId: t.topicId, partitions: t.partitions,
      records: mine.reduce((s, p) => s + p.records, 0), bytes: mine.reduce((s, p) => s + p.bytes, 0),
      produceRate: history.at(-1) ?? 0, rateHistory: history,
    };
  });
}

export async function topicDetail(broker: BrokerServices, name: string) {
  const topic = await topicOrThrow(broker, name);
  const stats = await partitionStats(broker, [topic]);
  return {
    name: topic.name, topicId: topic.topicId, configs: { ...topic.configs },
    partitions: stats.map(({ topic: _t, ...p }) => ({ ...p, leader: broker.info.nodeId })),
  };
}

export function topicRoutes(app: OpenAPIHono, broker: BrokerServices): void {
  app.openapi(createRoute({
    method: 'get', path: '/api/topics', tags: ['topics'], summary: 'Topics with partitions, records, bytes and produce rate',
    request: { query: S.Page }, responses: { 200: json(S.TopicList, 'A page of topics, by name'), ...errors },
  }), async (c) => {
    const q = c.req.valid('query');
    const all = (await broker.store.listTopics()).filter((t) => q.search === undefined || t.name.includes(q.search)).sort((a, b) => a.name.localeCompare(b.name));
    const topics = await topicSummaries(broker, all.slice(q.offset, q.offset + q.limit));
    return c.json({ topics, total: all.length, offset: q.offset, limit: q.limit }, 200);
  });

  app.openapi(createRoute({
    method: 'post', path: '/api/topics', tags: ['topics'], summary: 'Create a topic (CreateTopics)',
    request: { body: jsonBody(S.NewTopic) }, responses: { 201: json(S.TopicDetail, 'The topic created'), ...errors },
  }), async (c) => {
    const body = c.req.valid('json');
    await createTopic(broker, body.name, body.partitions, body.configs);
    return c.json(await topicDetail(broker, body.name), 201);
  });

  app.openapi(createRoute({
    method: 'get', path: '/api/topics/{topic}', tags: ['topics'], summary: 'A topic with its partitions and their offsets',
    request: { params: S.TopicParam }, responses: { 200: json(S.TopicDetail, 'The topic'), ...errors },
  }), async (c) => c.json(await topicDetail(broker, c.req.valid('param').topic), 200));

  app.openapi(createRoute({
    method: 'delete', path: '/api/topics/{topic}', tags: ['topics'], summary: 'Delete a topic (DeleteTopics)',
    request: { params: S.TopicParam }, responses: { 200: json(S.Ok, 'Deleted'), ...errors },
  }), async (c) => {
    await deleteTopic(broker, c.req.valid('param').topic);
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(createRoute({
    method: 'post', path: '/api/topics/{topic}/partitions', tags: ['topics'], summary: 'Add partitions (CreatePartitions)',
    request: { params: S.TopicParam, body: jsonBody(S.AddPartitions) }, responses: { 200: json(S.TopicDetail, 'The topic'), ...errors },
  }), async (c) => {
    const { topic } = c.req.valid('param');
    await addPartitions(broker, topic, c.req.valid('json').count);
    return c.json(await topicDetail(broker, topic), 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/api/topics/{topic}/configs', tags: ['configs'], summary: "A topic's configs (DescribeConfigs)",
    request: { params: S.TopicParam }, responses: { 200: json(S.ConfigList, 'Every topic config with its source'), ...errors },
  }), async (c) => c.json({ configs: await topicConfigs(broker, c.req.valid('param').topic) }, 200));

  app.openapi(createRoute({
    method: 'patch', path: '/api/topics/{topic}/configs', tags: ['configs'], summary: 'Set or delete topic configs (IncrementalAlterConfigs)',
    request: { params: S.TopicParam, body: jsonBody(S.ConfigPatch) }, responses: { 200: json(S.ConfigList, 'The configs after the change'), ...errors },
  }), async (c) => {
    const { topic } = c.req.valid('param');
    const body = c.req.valid('json');
    await alterTopicConfigs(broker, topic, body.set, body.delete);
    return c.json({ configs: await topicConfigs(broker, topic) }, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/api/topics/{topic}/messages', tags: ['messages'], summary: 'Browse records',
    request: { params: S.TopicParam, query: S.MessageQuery }, responses: { 200: json(S.MessagePage, 'Records and the cursor of the next page'), ...errors },
  }), async (c) => {
    const topic = await topicOrThrow(broker, c.req.valid('param').topic);
    return c.json(await browse(broker, topic, c.req.valid('query')), 200);
  });

  app.openapi(createRoute({
    method: 'post', path: '/api/topics/{topic}/messages', tags: ['messages'], summary: 'Produce one record (through Produce, acks=all)',
    request: { params: S.TopicParam, body: jsonBody(S.NewMessage) }, responses: { 201: json(S.Produced, 'Where the record was written'), ...errors },
  }), async (c) => {
    const topic = await topicOrThrow(broker, c.req.valid('param').topic);
    const m = c.req.valid('json');
    const partition = m.partition ?? (m.key === null ? 0 : partitionForKey(new TextEncoder().encode(m.key), topic.partitions));
    if (partition >= topic.partitions) throw new ApiError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic.name}' has no partition ${partition}.`);
    const offset = await produce(broker, topic.name, partition, m.key, m.value, m.headers);
    return c.json({ partition, offset }, 201);
  });

  app.openapi(createRoute({
    method: 'post', path: '/api/topics/{topic}/delete-records', tags: ['messages'], summary: 'Delete records before an offset (DeleteRecords)',
    request: { params: S.TopicParam, body: jsonBody(S.DeleteRecords) }, responses: { 200: json(S.Deleted, 'The new log start offset'), ...errors },
  }), async (c) => {
    const { topic } = c.req.valid('param');
    const body = c.req.valid('json');
    const lowWatermark = await deleteRecords(broker, topic, body.partition, body.offset);
    return c.json({ partition: body.partition, lowWatermark }, 200);
  });
}

