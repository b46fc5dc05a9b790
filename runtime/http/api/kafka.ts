// The admin API's calls into the broker: each goes through the Kafka API module's handler (same validation,
// same error codes as a Kafka client gets) or a store method, never SQL. Shared by the routes and the console's
// sampler (runtime/console/sampler.ts).

import type { BrokerServices } from '../../context.ts';
import { adminContext, check } from './context.ts';
import * as createTopicsApi from '../../../apis/create-topics.ts';
import * as deleteTopicsApi from '../../../apis/delete-topics.ts';
import * as createPartitionsApi from '../../../apis/create-partitions.ts';
import * as describeConfigsApi from '../../../apis/describe-configs.ts';
import * as alterConfigsApi from '../../../apis/incremental-alter-configs.ts';
import * as produceApi from '../../../apis/produce.ts';
import * as deleteRecordsApi from '../../../apis/delete-records.ts';
import * as listGroupsApi from '../../../apis/list-groups.ts';
import * as describeGroupsApi from '../../../apis/describe-groups.ts';
import * as deleteGroupsApi from '../../../apis/delete-groups.ts';
import * as offsetFetchApi from '../../../apis/offset-fetch.ts';
import * as offsetCommitApi from '../../../apis/offset-commit.ts';
import * as listTransactionsApi from '../../../apis/list-transactions.ts';
import * as describeProducersApi from '../../../apis/describe-producers.ts';
import { ConfigResourceType } from '../../config-types.ts';
import { ConfigOp } from '../../alter-configs.ts';
import { encodeBatch, type RecordHeader } from '../../../codec/record-batch.ts';
import { ErrorCode } from '../../../codec/errors.ts';
import { assignedPartitions } from '../../groups/consumer-protocol.ts';
import { ApiError } from './context.ts';
import type { Topic } from '../../../store/types.ts';

interface ApiModuleLike<Req, Res> {
  schema: { apiKey: number; maxVersion: number };
  handle(request: Req, ctx: ReturnType<typeof adminContext>): Promise<Res>;
}

/** Calls a Kafka API module's handler at `version` (default: its newest). */
function call<Req, Res>(broker: BrokerServices, api: ApiModuleLike<Req, Res>, request: Req, version = api.schema.maxVersion): Promise<Res> {
  return api.handle(request, adminContext(broker, api.schema.apiKey, version));
}

export async function topicOrThrow(broker: BrokerServices, name: string): Promise<Topic> {
  const topic = (await broker.store.getTopics([name])).get(name);
  if (!topic) throw new ApiError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`);
  return topic;
}

export async function createTopic(broker: BrokerServices, name: string, partitions: number, configs: Record<string, string>): Promise<void> {
  const res = await call(broker, createTopicsApi, {
    topics: [{ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 30000, validateOnly: false,
  });
  const t = res.topics?.[0];
  check(t?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, t?.errorMessage);
}

export async function deleteTopic(broker: BrokerServices, name: string): Promise<void> {
  const res = await call(broker, deleteTopicsApi, { topics: [{ name, topicId: '00000000-0000-0000-0000-000000000000' }], topicNames: [name], timeoutMs: 30000 });
  const t = res.responses?.[0];
  check(t?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, t?.errorMessage);
}

export async function addPartitions(broker: BrokerServices, name: string, count: number): Promise<void> {
  const res = await call(broker, createPartitionsApi, { topics: [{ name, count, assignments: null }], timeoutMs: 30000, validateOnly: false });
  const t = res.results?.[0];
  check(t?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, t?.errorMessage);
}

export interface ConfigRow { name: string; value: string | null; source: string; isDefault: boolean; readOnly: boolean; isSensitive: boolean }

const sourceNames: Record<number, string> = { 0: 'UNKNOWN', 1: 'DYNAMIC_TOPIC_CONFIG', 2: 'DYNAMIC_BROKER_CONFIG', 3: 'DYNAMIC_DEFAULT_BROKER_CONFIG', 4: 'STATIC_BROKER_CONFIG', 5: 'DEFAULT_CONFIG', 6: 'DYNAMIC_BROKER_LOGGER_CONFIG', 7: 'CLIENT_METRICS_CONFIG', 8: 'GROUP_CONFIG' };

export async function topicConfigs(broker: BrokerServices, name: string): Promise<ConfigRow[]> {
  const res = await call(broker, describeConfigsApi, {
    resources: [{ resourceType: ConfigResourceType.TOPIC, resourceName: name, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false,
  });
  const r = res.results?.[0];
  check(r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, r?.errorMessage);
  return (r?.configs ?? []).map((e) => ({
    name: e.name ?? '', value: e.value ?? null, source: sourceNames[e.configSource ?? 0] ?? 'UNKNOWN', isDefault: e.isDefault ?? false, readOnly: e.readOnly ?? false, isSensitive: e.isSensitive ?? false,
  }));
}

export async function alterTopicConfigs(broker: BrokerServices, name: string, set: Record<string, string>, remove: string[]): Promise<void> {
  const configs = [
    ...Object.entries(set).map(([n, value]) => ({ name: n, configOperation: ConfigOp.SET, value })),
    ...remove.map((n) => ({ name: n, configOperation: ConfigOp.DELETE, value: null })),
  ];
  const res = await call(broker, alterConfigsApi, { resources: [{ resourceType: ConfigResourceType.TOPIC, resourceName: name, configs }], validateOnly: false });
  const r = res.responses?.[0];
  check(r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, r?.errorMessage);
}

const utf8 = new TextEncoder();

/** Appends one record through Produce (acks=-1): the same checks and append path a Kafka producer's record takes. */
export async function produce(broker: BrokerServices, topicName: string, partition: number, key: string | null, value: string | null, headers: { key: string; value: string | null }[]): Promise<number> {
  const now = Date.now();
  const recordHeaders: RecordHeader[] = headers.map((h) => ({ key: h.key, value: h.value === null ? null : utf8.encode(h.value) }));
  const batch = encodeBatch({
    baseOffset: 0, baseTimestamp: now, producerId: -1, producerEpoch: -1, baseSequence: -1,
    records: [{ offsetDelta: 0, timestampDelta: 0, key: key === null ? null : utf8.encode(key), value: value === null ? null : utf8.encode(value), headers: recordHeaders }],
  });
  const res = await call(broker, produceApi, { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: topicName, partitionData: [{ index: partition, records: batch }] }] });
  if (typeof res === 'symbol') throw new Error('Produce with acks=-1 answered nothing');
  const p = res.responses?.[0]?.partitionResponses?.[0];
  check(p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, p?.errorMessage);
  return Number(p?.baseOffset ?? -1);
}

export async function deleteRecords(broker: BrokerServices, topicName: string, partition: number, offset: number): Promise<number> {
  const res = await call(broker, deleteRecordsApi, { topics: [{ name: topicName, partitions: [{ partitionIndex: partition, offset }] }], timeoutMs: 30000 });
  const p = res.topics?.[0]?.partitions?.[0];
  check(p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
  return Number(p?.lowWatermark ?? -1);
}

export interface GroupRow { groupId: string; state: string; type: string; protocolType: string }

export async function listGroups(broker: BrokerServices): Promise<GroupRow[]> {
  const res = await call(broker, listGroupsApi, { statesFilter: [], typesFilter: [] });
  check(res.errorCode ?? ErrorCode.NONE);
  return (res.groups ?? []).map((g) => ({ groupId: g.groupId ?? '', state: g.groupState ?? '', type: g.groupType ?? 'classic', protocolType: g.protocolType ?? '' }));
}

export interface GroupMemberRow { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; assignment: { topic: string; partitions: number[] }[] }
export interface GroupDescription { groupId: string; state: string; protocolType: string; protocol: string; members: GroupMemberRow[] }

export async function describeGroup(broker: BrokerServices, groupId: string): Promise<GroupDescription> {
  const res = await call(broker, describeGroupsApi, { groups: [groupId], includeAuthorizedOperations: false });
  const g = res.groups?.[0];
  check(g?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
  return {
    groupId,
    state: g?.groupState ?? '',
    protocolType: g?.protocolType ?? '',
    protocol: g?.protocolData ?? '',
    members: (g?.members ?? []).map((m) => ({
      memberId: m.memberId ?? '', groupInstanceId: m.groupInstanceId ?? null, clientId: m.clientId ?? '', clientHost: m.clientHost ?? '',
      assignment: m.memberAssignment && m.memberAssignment.length > 0 ? (assignedPartitions(m.memberAssignment) ?? []) : [],
    })),
  };
}

export async function deleteGroup(broker: BrokerServices, groupId: string): Promise<void> {
  const res = await call(broker, deleteGroupsApi, { groupsNames: [groupId] });
  check(res.results?.[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
}

export interface LagRow { topic: string; partition: number; committedOffset: number; highWatermark: number; lag: number }

/** The group's committed offsets (OffsetFetch, every topic) with each partition's lag to its high watermark. */
export async function groupLag(broker: BrokerServices, groupId: string): Promise<LagRow[]> {
  const res = await call(broker, offsetFetchApi, { groupId, topics: null, groups: [], requireStable: false }, 7);
  check(res.errorCode ?? ErrorCode.NONE);
  const committed = (res.topics ?? []).flatMap((t) => (t.partitions ?? []).map((p) => ({ topic: t.name ?? '', partition: p.partitionIndex ?? 0, offset: Number(p.committedOffset ?? -1) })));
  const topics = await broker.store.getTopics([...new Set(committed.map((c) => c.topic))]);
  const known = committed.filter((c) => topics.has(c.topic) && c.partition < topics.get(c.topic)!.partitions);
  const offsets = await broker.store.offsetsMany(known.map((c) => ({ topic: topics.get(c.topic)!, partition: c.partition })));
  return known.map((c, i) => {
    const hw = offsets[i].lastStableOffset ?? offsets[i].highWatermark;
    return { topic: c.topic, partition: c.partition, committedOffset: c.offset, highWatermark: offsets[i].highWatermark, lag: c.offset < 0 ? hw - offsets[i].logStartOffset : Math.max(0, hw - c.offset) };
  }).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** Commits offsets for a group without members (OffsetCommit generation -1, as Kafka's admin client does). */
export async function commitGroupOffsets(broker: BrokerServices, groupId: string, topic: string, offsets: { partition: number; offset: number }[]): Promise<void> {
  const res = await call(broker, offsetCommitApi, {
    groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: topic, partitions: offsets.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null })) }],
  }, 8);
  for (const p of res.topics?.[0]?.partitions ?? []) check(p.errorCode ?? ErrorCode.NONE);
}

export async function transactions(broker: BrokerServices): Promise<{ transactionalId: string; producerId: number; state: string }[]> {
  const res = await call(broker, listTransactionsApi, { stateFilters: [], producerIdFilters: [], durationFilter: -1 });
  check(res.errorCode ?? ErrorCode.NONE);
  return (res.transactionStates ?? []).map((t) => ({ transactionalId: t.transactionalId ?? '', producerId: Number(t.producerId ?? -1), state: t.transactionState ?? '' }));
}

export async function producers(broker: BrokerServices, topics: Topic[]) {
  if (topics.length === 0) return [];
  const res = await call(broker, describeProducersApi, { topics: topics.map((t) => ({ name: t.name, partitionIndexes: Array.from({ length: t.partitions }, (_, i) => i) })) });
  return (res.topics ?? []).flatMap((t) => (t.partitions ?? []).flatMap((p) => (p.activeProducers ?? []).map((a) => ({
    topic: t.name ?? '', partition: p.partitionIndex ?? 0, producerId: Number(a.producerId ?? -1), producerEpoch: a.producerEpoch ?? -1, lastSequence: a.lastSequence ?? -1, lastTimestamp: Number(a.lastTimestamp ?? -1),
  }))));
}
