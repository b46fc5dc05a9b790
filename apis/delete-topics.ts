// DeleteTopics (key 20), versions 1-6: deletes topics with their partitions and records. v1 is the oldest we
// serve (throttle time); v4 is flexible; v5 adds an error message per topic; v6 names topics by name or by topic id
// (name null) and answers with both. Unknown names get UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID.
// As in Kafka: a name given twice gets one INVALID_REQUEST "Duplicate topic name." (ids likewise), and a v6 entry
// with both name and id, or neither, gets INVALID_REQUEST.

import type { ApiSchema } from '../codec/schema.ts';
import { apiCodec } from '../codec/api-codec.ts';
import { ZERO_UUID } from '../codec/compile.ts';
import { ErrorCode } from '../codec/errors.ts';
import type { RequestContext } from '../runtime/context.ts';
import type { Topic } from '../store/types.ts';
import { AclOperation, ResourceType } from '../runtime/auth/acl.ts';

// <generated> by scripts/gen-api.ts from Kafka's DeleteTopicsRequest.json and DeleteTopicsResponse.json, versions 1-6.
export const schema = {
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 1,
  maxVersion: 6,
  flexibleFrom: 4,
  request: [
    { name: 'Topics', type: '[]struct', versions: '6+', fields: [
      { name: 'Name', type: 'string', versions: '6+', nullable: '6+', default: "null" },
      { name: 'TopicId', type: 'uuid', versions: '6+' },
    ] },
    { name: 'TopicNames', type: '[]string', versions: '0-5' },
    { name: 'TimeoutMs', type: 'int32', versions: '0+' },
  ],
  response: [
    { name: 'ThrottleTimeMs', type: 'int32', versions: '1+' },
    { name: 'Responses', type: '[]struct', versions: '0+', fields: [
      { name: 'Name', type: 'string', versions: '0+', nullable: '6+' },
      { name: 'TopicId', type: 'uuid', versions: '6+' },
      { name: 'ErrorCode', type: 'int16', versions: '0+' },
      { name: 'ErrorMessage', type: 'string', versions: '5+', nullable: '5+', default: "null" },
    ] },
  ],
} as const satisfies ApiSchema;

export interface DeleteTopicsRequest {
  topics: Array<{
    name: string | null;
    topicId: string;
  }>;
  topicNames: string[];
  timeoutMs: number;
}

export interface DeleteTopicsResponse {
  throttleTimeMs?: number;
  responses?: Array<{
    name?: string | null;
    topicId?: string;
    errorCode?: number;
    errorMessage?: string | null;
  }>;
}
// </generated>

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = apiCodec<DeleteTopicsRequest, DeleteTopicsResponse>(schema);


type Result = NonNullable<DeleteTopicsResponse['responses']>[number];

/** The whole request failed with `errorCode` (PostgreSQL unreachable): every topic gets it. */
export function errorResponse(request: DeleteTopicsRequest, errorCode: number, ctx: RequestContext): DeleteTopicsResponse {
  const topics = ctx.apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  return { throttleTimeMs: 0, responses: topics.map((t) => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage: null })) };
}

/** Kafka's retriable answer when the controller does not answer in time. */
export const unavailableError = ErrorCode.REQUEST_TIMED_OUT;

export async function handle(request: DeleteTopicsRequest, ctx: RequestContext): Promise<DeleteTopicsResponse> {
  const { store } = ctx.broker;
  const responses: Result[] = [];
  const refuse = (name: string | null, topicId: string, errorCode: number, errorMessage: string | null) =>
    responses.push({ name, topicId, errorCode, errorMessage });

  // Sort the request into names and ids, answering malformed entries at once.
  const names: string[] = [];
  const ids: string[] = [];
  const duplicateNames = new Set<string>();
  const duplicateIds = new Set<string>();
  const addName = (name: string) => (names.includes(name) ? duplicateNames.add(name) : names.push(name));
  const addId = (id: string) => (ids.includes(id) ? duplicateIds.add(id) : ids.push(id));
  if (ctx.apiVersion < 6) {
    for (const name of request.topicNames) addName(name);
  } else {
    for (const t of request.topics) {
      if (t.name === null) {
        if (t.topicId === ZERO_UUID) refuse(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
        else addId(t.topicId);
      } else if (t.topicId === ZERO_UUID) {
        addName(t.name);
      } else {
        refuse(t.name, t.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
      }
    }
  }
  for (const name of duplicateNames) refuse(name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
  for (const id of duplicateIds) refuse(null, id, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.');
  const wantedNames = names.filter((n) => !duplicateNames.has(n));
  const wantedIds = ids.filter((id) => !duplicateIds.has(id));

  const [byName, byId] = await Promise.all([
    wantedNames.length > 0 ? store.getTopics(wantedNames) : new Map<string, Topic>(),
    wantedIds.length > 0 ? store.getTopicsByIds(wantedIds) : new Map<string, Topic>(),
  ]);
  const targets: { topic: Topic; byId: boolean }[] = [];
  const mayDelete = (name: string) => ctx.authorize(AclOperation.DELETE, ResourceType.TOPIC, name);
  for (const name of wantedNames) {
    const topic = byName.get(name);
    if (!mayDelete(name)) refuse(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
    else if (topic) targets.push({ topic, byId: false });
    else refuse(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
  }
  for (const id of wantedIds) {
    const topic = byId.get(id);
    if (topic && !mayDelete(topic.name)) refuse(null, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
    else if (topic) targets.push({ topic, byId: true });
    else refuse(null, id, ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.');
  }

  // The same topic asked for by name and by id is deleted once; both entries are answered.
  const deletions = new Map<number, Promise<boolean>>();
  const deleteOnce = (topic: Topic): Promise<boolean> => {
    let p = deletions.get(topic.id);
    if (!p) {
      p = deleteTopic(ctx, topic);
      deletions.set(topic.id, p);
    }
    return p;
  };
  const done = await Promise.all(targets.map(async ({ topic, byId }): Promise<Result> => {
    const deleted = await deleteOnce(topic);
    if (deleted) return { name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
    // Someone else deleted it between our read and our delete.
    return byId
      ? { name: null, topicId: topic.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' }
      : { name: topic.name, topicId: ZERO_UUID, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' };
  }));
  return { throttleTimeMs: 0, responses: [...done, ...responses] };
}

/** Deletes one topic; false when it was already gone. */
async function deleteTopic(ctx: RequestContext, topic: Topic): Promise<boolean> {
  const deleted = await ctx.broker.store.deleteTopic(topic);
  if (deleted === null) return false;
  ctx.broker.log.info('topic deleted', { topic: topic.name, clientId: ctx.clientId });
  return true;
}
