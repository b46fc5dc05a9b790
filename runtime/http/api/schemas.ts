// The admin API's zod schemas: they validate every route's input and are the single source of the OpenAPI
// document served at /api/openapi.json (@hono/zod-openapi generates it from them).

import { z } from '@hono/zod-openapi';

export const ErrorBody = z.object({
  error: z.string().openapi({ example: 'UNKNOWN_TOPIC_OR_PARTITION', description: "Kafka's error name where one applies" }),
  message: z.string(),
}).openapi('Error');

export const TopicParam = z.object({ topic: z.string().min(1).max(249).openapi({ param: { name: 'topic', in: 'path' }, example: 'orders' }) });
export const GroupParam = z.object({ group: z.string().min(1).openapi({ param: { name: 'group', in: 'path' }, example: 'billing' }) });

export const Broker = z.object({ nodeId: z.number().int(), host: z.string(), port: z.number().int(), rack: z.string().nullable() }).openapi('Broker');
export const Cluster = z.object({ clusterId: z.string(), controllerId: z.number().int(), brokers: z.array(Broker), readOnly: z.boolean() }).openapi('Cluster');

export const TopicSummary = z.object({
  name: z.string(),
  topicId: z.string(),
  partitions: z.number().int(),
  records: z.number().int().openapi({ description: 'high watermark minus log start offset, summed over partitions' }),
  bytes: z.number().int().openapi({ description: 'bytes of keys, values and headers stored' }),
  produceRate: z.number().openapi({ description: 'records per second over the last sampling interval' }),
  rateHistory: z.array(z.number()).openapi({ description: 'records per second, oldest first, one per sample (last hour)' }),
}).openapi('TopicSummary');

export const Page = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  search: z.string().optional().openapi({ description: 'substring of the topic name' }),
});
export const TopicList = z.object({ topics: z.array(TopicSummary), total: z.number().int(), offset: z.number().int(), limit: z.number().int() }).openapi('TopicList');

export const ConfigsInput = z.record(z.string(), z.string());
export const NewTopic = z.object({
  name: z.string().min(1),
  partitions: z.number().int().default(-1).openapi({ description: '-1: the broker default (num.partitions)' }),
  configs: ConfigsInput.default({}),
}).openapi('NewTopic');

export const PartitionInfo = z.object({
  partition: z.number().int(),
  leader: z.number().int(),
  logStartOffset: z.number().int(),
  highWatermark: z.number().int(),
  lastStableOffset: z.number().int(),
  records: z.number().int(),
  bytes: z.number().int(),
}).openapi('PartitionInfo');
export const TopicDetail = z.object({
  name: z.string(),
  topicId: z.string(),
  partitions: z.array(PartitionInfo),
  configs: z.record(z.string(), z.string()).openapi({ description: 'configs set on the topic' }),
}).openapi('TopicDetail');
export const AddPartitions = z.object({ count: z.number().int().min(1).openapi({ description: 'the new total number of partitions' }) }).openapi('AddPartitions');

export const ConfigEntry = z.object({
  name: z.string(), value: z.string().nullable(), source: z.string(), isDefault: z.boolean(), readOnly: z.boolean(), isSensitive: z.boolean(),
}).openapi('ConfigEntry');
export const ConfigList = z.object({ configs: z.array(ConfigEntry) }).openapi('ConfigList');
export const ConfigPatch = z.object({
  set: z.record(z.string(), z.string()).default({}),
  delete: z.array(z.string()).default([]).openapi({ description: 'configs to return to their default' }),
}).openapi('ConfigPatch');

export const MessageQuery = z.object({
  partition: z.coerce.number().int().min(0).optional(),
  offset: z.coerce.number().int().min(0).optional().openapi({ description: 'with order=oldest the first offset, with order=newest the offset to end before (exclusive)' }),
  timestamp: z.coerce.number().int().min(0).optional().openapi({ description: 'start at the first record at or after this time (ms since epoch)' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  order: z.enum(['newest', 'oldest']).default('newest'),
  key: z.string().optional().openapi({ description: 'only records whose key (as text) equals this' }),
  contains: z.string().optional().openapi({ description: 'only records whose value (as text) contains this' }),
  format: z.enum(['text', 'json', 'hex']).default('text'),
  cursor: z.string().optional().openapi({ description: 'the nextCursor of the previous page' }),
});
export const Header = z.object({ key: z.string(), value: z.string().nullable() });
export const Message = z.object({
  partition: z.number().int(), offset: z.number().int(), timestamp: z.number().int(), key: z.string().nullable(), value: z.string().nullable(), headers: z.array(Header),
}).openapi('Message');
export const MessagePage = z.object({ records: z.array(Message), nextCursor: z.string().nullable() }).openapi('MessagePage');
export const NewMessage = z.object({
  key: z.string().nullable().default(null),
  value: z.string().nullable().default(null),
  headers: z.array(Header).default([]),
  partition: z.number().int().min(0).optional().openapi({ description: "default: by key (Kafka's murmur2 partitioner), else partition 0" }),
}).openapi('NewMessage');
export const Produced = z.object({ partition: z.number().int(), offset: z.number().int() }).openapi('Produced');
export const DeleteRecords = z.object({ partition: z.number().int().min(0), offset: z.number().int().min(-1).openapi({ description: 'delete records before this offset; -1: up to the high watermark' }) }).openapi('DeleteRecords');
export const Deleted = z.object({ partition: z.number().int(), lowWatermark: z.number().int() }).openapi('Deleted');

export const GroupSummary = z.object({ groupId: z.string(), state: z.string(), type: z.string(), protocolType: z.string(), members: z.number().int(), lag: z.number().int() }).openapi('GroupSummary');
export const GroupList = z.object({ groups: z.array(GroupSummary) }).openapi('GroupList');
export const GroupMember = z.object({
  memberId: z.string(), groupInstanceId: z.string().nullable(), clientId: z.string(), clientHost: z.string(),
  assignment: z.array(z.object({ topic: z.string(), partitions: z.array(z.number().int()) })),
}).openapi('GroupMember');
export const GroupOffset = z.object({ topic: z.string(), partition: z.number().int(), committedOffset: z.number().int(), highWatermark: z.number().int(), lag: z.number().int() }).openapi('GroupOffset');
export const GroupDetail = z.object({
  groupId: z.string(), state: z.string(), protocolType: z.string(), protocol: z.string(), members: z.array(GroupMember), offsets: z.array(GroupOffset), lag: z.number().int(),
  lagHistory: z.array(z.object({ time: z.number().int(), lag: z.number().int() })).openapi({ description: 'total lag sampled by the broker (last hour)' }),
}).openapi('GroupDetail');
export const ResetOffsets = z.object({
  topic: z.string().min(1),
  partitions: z.array(z.number().int().min(0)).optional().openapi({ description: 'default: every partition of the topic' }),
  to: z.enum(['earliest', 'latest', 'timestamp', 'offset']),
  timestamp: z.number().int().min(0).optional(),
  offset: z.number().int().min(0).optional(),
}).openapi('ResetOffsets');
export const ResetResult = z.object({ offsets: z.array(z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().int() })) }).openapi('ResetResult');

export const Transaction = z.object({ transactionalId: z.string(), producerId: z.number().int(), state: z.string() }).openapi('Transaction');
export const Producer = z.object({ topic: z.string(), partition: z.number().int(), producerId: z.number().int(), producerEpoch: z.number().int(), lastSequence: z.number().int(), lastTimestamp: z.number().int() }).openapi('Producer');
export const Transactions = z.object({ transactions: z.array(Transaction), producers: z.array(Producer) }).openapi('Transactions');
export const ShadowStatus = z.object({ enabled: z.boolean(), topics: z.array(z.record(z.string(), z.unknown())) }).openapi('ShadowStatus');
export const Ok = z.object({ ok: z.literal(true) }).openapi('Ok');
