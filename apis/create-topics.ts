// CreateTopics (key 19), versions 2-7. v2 is the oldest we serve (throttle time, error messages, validateOnly
// all present); v4 lets numPartitions and replicationFactor be -1 (broker defaults); v5 is flexible and answers
// numPartitions, replicationFactor and the topic's configs (name, value, source); v6 changes nothing on the wire
// (quota errors); v7 answers the topic id.
// Checks, in Kafka's order: duplicate names in one request (INVALID_REQUEST, one result per name), invalid names
// (INVALID_TOPIC_EXCEPTION), existing topics (TOPIC_ALREADY_EXISTS), names colliding with an existing topic's once
// '.' and '_' are equated (INVALID_TOPIC_EXCEPTION, "Topic 'a_b' collides with existing topic: a.b"), configs
// (INVALID_CONFIG with validateTopicConfigs' message), then either manual assignments (numPartitions and
// replicationFactor must be -1, else INVALID_REQUEST; partitions 0..n-1, each listing only this broker, else
// INVALID_REPLICA_ASSIGNMENT; they define the partition count) or replicationFactor 0 or < -1 (INVALID_REPLICATION_FACTOR) and numPartitions 0 or
// < -1 (INVALID_PARTITIONS); numPartitions -1 takes num.partitions. More than 100000 partitions: INVALID_PARTITIONS.
// Replication: PostgreSQL holds the data, so there is nothing to replicate. Any replicationFactor >= 1 (or -1)
// is accepted and the topic is reported with one replica, this broker; the factor asked for is not stored and
// v5+ answers replicationFactor 1. validateOnly runs every check, creates nothing, and answers as if it had
// (with a zero topic id).

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ZERO_UUID } from '../codec/compile.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { Refused } from '../runtime/refused.ts';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../runtime/auth/acl.ts';
import { MAX_PARTITIONS_PER_TOPIC, topicNameProblem } from '../runtime/topic-names.ts';
import { topicConfigDefs, validateTopicConfigs } from '../runtime/topic-configs.ts';
import { topicConfigEntries } from '../runtime/config-entries.ts';
import { TopicCollisionError, TopicExistsError } from '../store/errors.ts';
import { assignmentProblem } from '../runtime/replica-assignment.ts';
import type { Topic } from '../store/types.ts';

// <generated> by scripts/gen-api.ts from Kafka's CreateTopicsRequest.json and CreateTopicsResponse.json, versions 2-7.
export const schema = {
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 2,
  maxVersion: 7,
  flexibleFrom: 5,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'NumPartitions', type: 'int32', versions: '0+' },
      { name: 'ReplicationFactor', type: 'int16', versions: '0+' },
      { name: 'Assignments', type: '[]struct', versions: '0+', fields: [
        { name: 'PartitionIndex', type: 'int32', versions: '0+' },
        { name: 'BrokerIds', type: '[]int32', versions: '0+' },
      ] },
      { name: 'Configs', type: '[]struct', versions: '0+', fields: [
        { name: 'Name', type: 'string', versions: '0+' },
        { name: 'Value', type: 'string', versions: '0+', nullable: '0+' },
      ] },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: "60000" },
    { name: 'validateOnly', type: 'bool', versions: '1+', default: "false" },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '2+' },
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'TopicId', type: 'uuid', versions: '7+' },
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '1+', nullable: '0+' },
      { name: 'TopicConfigErrorCode', type: 'int16', versions: '5+', tag: 0, taggedVersions: '5+' },
      { name: 'NumPartitions', type: 'int32', versions: '5+', default: "-1" },
      { name: 'ReplicationFactor', type: 'int16', versions: '5+', default: "-1" },
      { name: 'Configs', type: '[]struct', versions: '5+', nullable: '5+', fields: [
        { name: 'Name', type: 'string', versions: '5+' },
        { name: 'Value', type: 'string', versions: '5+', nullable: '5+' },
        { name: 'ReadOnly', type: 'bool', versions: '5+' },
        { name: 'ConfigSource', type: 'int8', versions: '5+', default: "-1" },
        { name: 'IsSensitive', type: 'bool', versions: '5+' },
      ] },
    ] },
  ],
} as const satisfies ApiSchema;

export interface CreateTopicsRequest {
  topics: Array<{
    name: string;
    numPartitions: number;
    replicationFactor: number;
    assignments: Array<{
      partitionIndex: number;
      brokerIds: number[];
    }>;
    configs: Array<{
      name: string;
      value: string | null;
    }>;
  }>;
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreateTopicsResponse {
  throttleTimeMs?: number;
  topics?: Array<{
    name?: string;
    topicId?: string;
    errorCode?: number;
    errorMessage?: string | null;
    topicConfigErrorCode?: number;
    numPartitions?: number;
    replicationFactor?: number;
    configs?: Array<{
      name?: string;
      value?: string | null;
      readOnly?: boolean;
      configSource?: number;
      isSensitive?: boolean;
    }> | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<CreateTopicsRequest, CreateTopicsResponse>(schema);

type CreatableTopic = CreateTopicsRequest['topics'][number];
type TopicResult = NonNullable<CreateTopicsResponse['topics']>[number];

/** A topic that passed every check: what to create. */
interface Plan {
  name: string;
  partitions: number;
  configs: Record<string, string>;
}

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every topic gets it. */
export function errorResponse(request: CreateTopicsRequest, errorCode: number): CreateTopicsResponse {
  return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null, numPartitions: -1, replicationFactor: -1, configs: null })) };
}

/** Kafka's retriable answer when the controller does not answer in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: CreateTopicsRequest, ctx: RequestContext): Promise<CreateTopicsResponse> {
  const { store } = ctx.broker;
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const unique = request.topics.filter((t) => counts.get(t.name) === 1);
  const validNames = unique.map((t) => t.name).filter((n) => topicNameProblem(n) === null);
  const [existing, collisions] = validNames.length > 0
    ? await Promise.all([store.getTopics(validNames), store.topicCollisions(validNames)])
    : [new Map<string, Topic>(), new Map<string, string>()];

  const mayCreateAll = ctx.authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME);
  const results = await Promise.all(unique.map(async (t): Promise<TopicResult> => {
    try {
      if (!mayCreateAll && !ctx.authorize(AclOperation.CREATE, ResourceType.TOPIC, t.name)) {
        throw new Refused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
      }
      const plan = check(t, existing, collisions, ctx);
      if (request.validateOnly) return created(plan, ZERO_UUID, ctx);
      let topic: Topic;
      try {
        topic = await store.createTopic({ name: plan.name, partitions: plan.partitions, configs: plan.configs });
      } catch (err) {
        if (err instanceof TopicExistsError) throw new Refused(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
        if (err instanceof TopicCollisionError) throw new Refused(ErrorCode.INVALID_TOPIC_EXCEPTION, err.message);
        throw err;
      }
      ctx.broker.log.info('topic created', { topic: topic.name, partitions: topic.partitions, clientId: ctx.clientId });
      return created(plan, topic.topicId, ctx);
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      return { name: t.name, topicId: ZERO_UUID, errorCode: err.code, errorMessage: err.message, numPartitions: -1, replicationFactor: -1, configs: [] };
    }
  }));
  for (const [name, n] of counts) {
    if (n > 1) {
      results.push({ name, topicId: ZERO_UUID, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.', numPartitions: -1, replicationFactor: -1, configs: [] });
    }
  }
  return { throttleTimeMs: 0, topics: results };
}

/** Every check of one topic, in Kafka's order; throws Refused with the first problem. */
function check(t: CreatableTopic, existing: ReadonlyMap<string, Topic>, collisions: ReadonlyMap<string, string>, ctx: RequestContext): Plan {
  const { config, info } = ctx.broker;
  const nameProblem = topicNameProblem(t.name);
  if (nameProblem !== null) throw new Refused(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  if (existing.has(t.name)) throw new Refused(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
  const collision = collisions.get(t.name);
  if (collision !== undefined) throw new Refused(ErrorCode.INVALID_TOPIC_EXCEPTION, new TopicCollisionError(t.name, collision).message);

  // Null-prototype maps, and names checked with hasOwn: "__proto__" or "toString" are unknown configs, nothing more.
  const configs: Record<string, string> = Object.create(null);
  const asked: Record<string, string | null> = Object.create(null);
  for (const c of t.configs) {
    if (!Object.hasOwn(topicConfigDefs, c.name)) throw new Refused(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
    asked[c.name] = c.value;
    if (c.value !== null) configs[c.name] = c.value;
    else delete configs[c.name];
  }
  const problem = validateTopicConfigs(asked);
  if (problem !== null) throw new Refused(ErrorCode.INVALID_CONFIG, problem.message);

  let partitions: number;
  if (t.assignments.length > 0) {
    if (t.replicationFactor !== -1) {
      throw new Refused(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.');
    }
    if (t.numPartitions !== -1) {
      throw new Refused(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.');
    }
    const seen = new Set<number>();
    for (const a of t.assignments) {
      if (seen.has(a.partitionIndex)) {
        throw new Refused(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Found multiple manual partition assignments for partition ${a.partitionIndex}`);
      }
      seen.add(a.partitionIndex);
      const problem = assignmentProblem(a.brokerIds, info.nodeId);
      if (problem !== null) throw new Refused(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
    }
    for (let i = 0; i < t.assignments.length; i++) {
      if (!seen.has(i)) throw new Refused(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence');
    }
    partitions = t.assignments.length;
  } else if (t.replicationFactor === 0 || t.replicationFactor < -1) {
    throw new Refused(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
  } else if (t.numPartitions === 0 || t.numPartitions < -1) {
    throw new Refused(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
  } else {
    partitions = t.numPartitions === -1 ? config.defaultPartitions : t.numPartitions;
  }
  if (partitions > MAX_PARTITIONS_PER_TOPIC) {
    throw new Refused(ErrorCode.INVALID_PARTITIONS, `Number of partitions ${partitions} exceeds the maximum of ${MAX_PARTITIONS_PER_TOPIC}.`);
  }
  return { name: t.name, partitions, configs };
}

function created(plan: Plan, topicId: string, ctx: RequestContext): TopicResult {
  return {
    name: plan.name,
    topicId,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions: plan.partitions,
    replicationFactor: 1,
    configs: topicConfigEntries(plan.configs, ctx.broker.settings).map((e) => ({
      name: e.name,
      value: e.value,
      readOnly: false,
      configSource: e.source,
      isSensitive: false,
    })),
  };
}
