// Metadata (key 3), versions 0-12: every live broker sharing the database (from the registry kept in memory, this
// one always included), the one with the lowest node id as controller, and topics with their partitions, each led
// by the broker answering (leader epoch 0, replicas and ISR = this node: PostgreSQL holds the data, so every broker
// serves every partition).
// v0: an empty topic list means all topics. v1+: null means all, an empty list none; adds rack, controller id,
// isInternal. v2 adds the cluster id, v3 throttle time, v4 allowAutoTopicCreation (before v4 auto-creation is
// always asked for), v5 offline replicas, v7 leader epoch, v8 authorized operations (cluster ones only in 8-10),
// v9 is flexible, v10 topic ids (topics may be asked for by id with a null name), v12 nullable topic names.
// Unknown topics are created on the spot (auto.create.topics.enable and allowAutoTopicCreation) and answered
// ready, without Kafka's LEADER_NOT_AVAILABLE round; invalid names, and names colliding with an existing topic's
// once '.' and '_' are equated, get INVALID_TOPIC_EXCEPTION and are never created. Unknown ids get
// UNKNOWN_TOPIC_ID. (Kafka itself accepts ids only from v12; we take them from v10.)

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ZERO_UUID } from '../codec/compile.ts';
import { ErrorCode } from '../codec/errors.ts';
import { brokersFor } from '../runtime/listeners.ts';
import type { RequestContext } from '../runtime/context.ts';
import { ledPartition } from '../runtime/leadership.ts';
import { isInternalTopic, isValidTopicName } from '../runtime/topic-names.ts';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED, TOPIC_OPERATIONS } from '../runtime/authorized-operations.ts';
import { autoCreateTopic, TOPIC_COLLIDES } from '../runtime/auto-create.ts';
import type { Topic } from '../store/types.ts';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's MetadataRequest.json and MetadataResponse.json, versions 0-12.
export const schema = {
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  flexibleFrom: 9,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', nullable: '1+', fields: [
      { name: 'TopicId', type: 'uuid', versions: '10+' },
      { name: 'Name', type: 'string', versions: '0+', nullable: '10+' },
    ] },
    { name: 'AllowAutoTopicCreation', type: 'bool', versions: '4+', default: "true" },
    { name: 'IncludeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'IncludeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '3+' },
    { name: 'Brokers', type: '[]struct', versions: '0+', fields: [
      { name: 'NodeId', type: 'int32', versions: '0+' },
      { name: 'Host', type: 'string', versions: '0+' },
      { name: 'Port', type: 'int32', versions: '0+' },
      { name: 'Rack', type: 'string', versions: '1+', nullable: '1+', default: "null" },
    ] },
    { name: 'ClusterId', type: 'string', versions: '2+', nullable: '2+', default: "null" },
    { name: 'ControllerId', type: 'int32', versions: '1+', default: "-1" },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'Name', type: 'string', versions: '0+', nullable: '12+' },
      { name: 'TopicId', type: 'uuid', versions: '10+' },
      { name: 'IsInternal', type: 'bool', versions: '1+', default: "false" },
      { name: 'Partitions', type: '[]struct', versions: '0+', fields: [
        { name: 'ErrorCode', type: 'int16', versions: '0+' },
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'LeaderId', type: 'int32', versions: '0+' },
        { name: 'LeaderEpoch', type: 'int32', versions: '7+', default: "-1" },
        { name: 'ReplicaNodes', type: '[]int32', versions: '0+' },
        { name: 'IsrNodes', type: '[]int32', versions: '0+' },
        { name: 'OfflineReplicas', type: '[]int32', versions: '5+' },
      ] },
      { name: 'TopicAuthorizedOperations', type: 'int32', versions: '8+', default: "-2147483648" },
    ] },
    { name: 'ClusterAuthorizedOperations', type: 'int32', versions: '8-10', default: "-2147483648" },
  ],
} as const satisfies ApiSchema;

export interface MetadataRequest {
  topics: Array<{
    topicId: string;
    name: string | null;
  }> | null;
  allowAutoTopicCreation: boolean;
  includeClusterAuthorizedOperations: boolean;
  includeTopicAuthorizedOperations: boolean;
}

export interface MetadataResponse {
  throttleTimeMs?: number;
  brokers?: Array<{
    nodeId?: number;
    host?: string;
    port?: number;
    rack?: string | null;
  }>;
  clusterId?: string | null;
  controllerId?: number;
  topics?: Array<{
    errorCode?: number;
    name?: string | null;
    topicId?: string;
    isInternal?: boolean;
    partitions?: Array<{
      errorCode?: number;
      partitionIndex?: number;
      leaderId?: number;
      leaderEpoch?: number;
      replicaNodes?: number[];
      isrNodes?: number[];
      offlineReplicas?: number[];
    }>;
    topicAuthorizedOperations?: number;
  }>;
  clusterAuthorizedOperations?: number;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<MetadataRequest, MetadataResponse>(schema);

export const concurrent = true;


type TopicResult = NonNullable<MetadataResponse['topics']>[number];

/**
 * The whole request failed with `errorCode` (PostgreSQL unreachable): the brokers as known, every requested topic
 * with the error (none when all topics were asked for).
 */
export function errorResponse(request: MetadataRequest, errorCode: number, ctx: RequestContext): MetadataResponse {
  const { cluster, clusterId } = ctx.broker;
  return {
    throttleTimeMs: 0,
    brokers: cluster.brokers().map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    clusterId,
    controllerId: cluster.controllerId(),
    topics: (request.topics ?? []).map((t) => ({ errorCode, name: t.name, topicId: t.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED })),
    clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
  };
}

/** Kafka's answer for a topic whose leader is away (retriable: clients ask again). */
export const unavailableError = ErrorCode.LEADER_NOT_AVAILABLE;

export async function handle(request: MetadataRequest, ctx: RequestContext): Promise<MetadataResponse> {
  const { store, info, clusterId, cluster } = ctx.broker;
  const version = ctx.apiVersion;
  const nodeId = info.nodeId;
  const topicOps = (name: string) =>
    version >= 8 && request.includeTopicAuthorizedOperations ? ctx.authorizedOperations(ResourceType.TOPIC, name, TOPIC_OPERATIONS) : OPERATIONS_NOT_REQUESTED;

  const found = (t: Topic): TopicResult => ({
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: isInternalTopic(t.name),
    partitions: Array.from({ length: t.partitions }, (_, i) => ledPartition(nodeId, i)),
    topicAuthorizedOperations: topicOps(t.name),
  });
  const failed = (errorCode: number, name: string | null, topicId = ZERO_UUID): TopicResult => ({
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
  });

  let topics: TopicResult[];
  const all = request.topics === null || (version === 0 && request.topics.length === 0);
  if (all) {
    // Topics the principal may not DESCRIBE are left out, as Kafka does.
    topics = (await store.listTopics()).filter((t) => ctx.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, t.name)).map(found);
  } else {
    topics = await describeRequested(request, ctx, found, failed);
  }

  return {
    throttleTimeMs: 0,
    brokers: brokersFor(cluster.brokers(), ctx.listenerName),
    clusterId,
    controllerId: cluster.controllerId(),
    topics,
    clusterAuthorizedOperations: version >= 8 && request.includeClusterAuthorizedOperations
      ? ctx.authorizedOperations(ResourceType.CLUSTER, CLUSTER_NAME, CLUSTER_OPERATIONS)
      : OPERATIONS_NOT_REQUESTED,
  };
}

/** The topics asked for, in request order (each once): by name, or by id (name null, v10+). */
async function describeRequested(
  request: MetadataRequest,
  ctx: RequestContext,
  found: (t: Topic) => TopicResult,
  failed: (errorCode: number, name: string | null, topicId?: string) => TopicResult,
): Promise<TopicResult[]> {
  const { config, store } = ctx.broker;
  const version = ctx.apiVersion;
  type Wanted = { name: string } | { id: string };
  const wanted: Wanted[] = [];
  const seenNames = new Set<string>();
  const seenIds = new Set<string>();
  for (const t of request.topics ?? []) {
    if (t.name === null && version >= 10) {
      if (!seenIds.has(t.topicId)) wanted.push({ id: t.topicId });
      seenIds.add(t.topicId);
    } else {
      const name = t.name ?? '';
      if (!seenNames.has(name)) wanted.push({ name });
      seenNames.add(name);
    }
  }
  const describable = (name: string) => ctx.authorize(AclOperation.DESCRIBE, ResourceType.TOPIC, name);
  const validNames = [...seenNames].filter((n) => isValidTopicName(n) && describable(n));
  const ids = [...seenIds].filter((id) => id !== ZERO_UUID);
  const [byName, byId] = await Promise.all([
    validNames.length > 0 ? store.getTopics(validNames) : new Map<string, Topic>(),
    ids.length > 0 ? store.getTopicsByIds(ids) : new Map<string, Topic>(),
  ]);

  const autoCreate = config.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation);
  // Auto-creation needs CREATE on the cluster or on the topic; without it a missing topic is TOPIC_AUTHORIZATION_FAILED.
  const mayCreateAll = ctx.authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME);
  const mayCreate = (name: string) => mayCreateAll || ctx.authorize(AclOperation.CREATE, ResourceType.TOPIC, name);
  const missing = validNames.filter((n) => !byName.has(n) && mayCreate(n));
  /** Names not auto-created because they collide with an existing topic's ('.' and '_' equated). */
  const colliding = new Set<string>();
  if (autoCreate && missing.length > 0) {
    const created = await Promise.all(missing.map((name) => autoCreateTopic(ctx.broker, name, ctx.clientId)));
    created.forEach((t, i) => {
      if (t === TOPIC_COLLIDES) colliding.add(missing[i]);
      else if (t) byName.set(missing[i], t);
    });
  }

  return wanted.map((w) => {
    if ('id' in w) {
      const t = byId.get(w.id);
      if (t && !describable(t.name)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null, w.id);
      return t ? found(t) : failed(ErrorCode.UNKNOWN_TOPIC_ID, null, w.id);
    }
    if (!describable(w.name)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED, w.name);
    if (!isValidTopicName(w.name) || colliding.has(w.name)) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION, w.name);
    const t = byName.get(w.name);
    if (!t && autoCreate && !mayCreate(w.name)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED, w.name);
    return t ? found(t) : failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, w.name);
  });
}
