// CreatePartitions (key 37), versions 0-3: raises a topic's partition count. v1 changes nothing on the wire;
// v2 is flexible; v3 changes nothing on the wire (quota errors).
// As in Kafka: a name given twice gets one INVALID_REQUEST "Duplicate topic name."; unknown topics get
// UNKNOWN_TOPIC_OR_PARTITION; a count that is not larger than the current one gets INVALID_PARTITIONS with
// Kafka's message; assignments, when given, must be one per new partition, each listing only this broker
// (INVALID_REPLICA_ASSIGNMENT). validateOnly runs every check and changes nothing. More than 100000 partitions
// in all: INVALID_PARTITIONS.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import { Refused } from '../runtime/refused.ts';
import { MAX_PARTITIONS_PER_TOPIC } from '../runtime/topic-names.ts';
import { InvalidPartitionsError, UnknownTopicError } from '../store/errors.ts';
import { assignmentProblem } from '../runtime/replica-assignment.ts';
import type { Topic } from '../store/types.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's CreatePartitionsRequest.json and CreatePartitionsResponse.json, versions 0-3.
export const schema = {
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  request: [
    { name: 'Topics', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'Count', type: 'int32', versions: '0+' },
      { name: 'Assignments', type: '[]struct', versions: '0+', nullable: '0+', fields: [
        { name: 'BrokerIds', type: '[]int32', versions: '0+' },
      ] },
    ] },
    { name: 'TimeoutMs', type: 'int32', versions: '0+' },
    { name: 'ValidateOnly', type: 'bool', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '0+' },
    { name: 'Results', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+' },
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '0+', nullable: '0+', default: "null" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface CreatePartitionsRequest {
  topics: Array<{
    name: string;
    count: number;
    assignments: Array<{
      brokerIds: number[];
    }> | null;
  }>;
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsResponse {
  throttleTimeMs?: number;
  results?: Array<{
    name?: string;
    errorCode?: number;
    errorMessage?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<CreatePartitionsRequest, CreatePartitionsResponse>(schema);

type Wanted = CreatePartitionsRequest['topics'][number];
type Result = NonNullable<CreatePartitionsResponse['results']>[number];

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every topic gets it. */
export function errorResponse(request: CreatePartitionsRequest, errorCode: number): CreatePartitionsResponse {
  return { throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null })) };
}

/** Kafka's retriable answer when the controller does not answer in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: CreatePartitionsRequest, ctx: RequestContext): Promise<CreatePartitionsResponse> {
  const { store } = ctx.broker;
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const unique = request.topics.filter((t) => counts.get(t.name) === 1);
  const existing = unique.length > 0 ? await store.getTopics(unique.map((t) => t.name)) : new Map<string, Topic>();

  const results = await Promise.all(unique.map(async (t): Promise<Result> => {
    try {
      if (!ctx.authorize(AclOperation.ALTER, ResourceType.TOPIC, t.name)) throw new Refused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
      const topic = check(t, existing.get(t.name), ctx);
      if (!request.validateOnly) {
        try {
          await store.createPartitions(topic, t.count);
        } catch (err) {
          // Another request changed or deleted the topic since we read it.
          if (err instanceof InvalidPartitionsError) throw new Refused(ErrorCode.INVALID_PARTITIONS, err.message);
          if (err instanceof UnknownTopicError) throw new Refused(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
          throw err;
        }
        ctx.broker.log.info('partitions added', { topic: t.name, from: topic.partitions, to: t.count, clientId: ctx.clientId });
      }
      return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      return { name: t.name, errorCode: err.code, errorMessage: err.message === '' ? null : err.message };
    }
  }));
  for (const [name, n] of counts) {
    if (n > 1) results.push({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
  }
  return { throttleTimeMs: 0, results };
}

/** Kafka's checks, in its order; throws Refused with the first problem. */
function check(t: Wanted, topic: Topic | undefined, ctx: RequestContext): Topic {
  if (!topic) throw new Refused(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
  const current = topic.partitions;
  if (t.count === current) throw new Refused(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
  if (t.count < current) {
    throw new Refused(ErrorCode.INVALID_PARTITIONS, `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.`);
  }
  if (t.count > MAX_PARTITIONS_PER_TOPIC) {
    throw new Refused(ErrorCode.INVALID_PARTITIONS, `Number of partitions ${t.count} exceeds the maximum of ${MAX_PARTITIONS_PER_TOPIC}.`);
  }
  const additional = t.count - current;
  if (t.assignments !== null) {
    if (t.assignments.length !== additional) {
      throw new Refused(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
      );
    }
    const nodeId = ctx.broker.info.nodeId;
    for (const a of t.assignments) {
      const problem = assignmentProblem(a.brokerIds, nodeId);
      if (problem !== null) throw new Refused(ErrorCode.INVALID_REPLICA_ASSIGNMENT, problem);
    }
  }
  return topic;
}
