// Helpers for the consumer group tests over the raw protocol: consumer-protocol metadata, a member that joins
// (MEMBER_ID_REQUIRED handled) and syncs, short-hands for Heartbeat, DescribeGroups and offsets, and a topic
// delete racing an offset commit.

import * as joinGroupApi from '../../apis/join-group.ts';
import * as syncGroupApi from '../../apis/sync-group.ts';
import * as heartbeatApi from '../../apis/heartbeat.ts';
import * as describeGroupsApi from '../../apis/describe-groups.ts';
import * as offsetCommitApi from '../../apis/offset-commit.ts';
import * as offsetFetchApi from '../../apis/offset-fetch.ts';
import { Writer } from '../../codec/writer.ts';
import type { RawClient } from './raw-client.ts';
import type { Sql } from 'postgres';
import { until } from './eventually.ts';

/** ConsumerProtocolSubscription v0: the topics, no user data. */
export function subscription(topics: string[]): Uint8Array {
  const w = new Writer();
  w.int16(0);
  w.int32(topics.length);
  for (const t of topics) w.string(t);
  w.int32(-1);
  return w.bytes().slice();
}

export interface JoinOptions {
  groupId: string;
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: { name: string; metadata: Uint8Array }[];
  version?: number;
}

export type JoinResponse = joinGroupApi.JoinGroupResponse;
export type SyncResponse = syncGroupApi.SyncGroupResponse;

export function joinRequest(o: JoinOptions): joinGroupApi.JoinGroupRequest {
  return {
    groupId: o.groupId,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 10_000,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? [{ name: 'range', metadata: subscription(['t']) }],
    reason: null,
  };
}

/** JoinGroup, repeating it with the member id handed out by MEMBER_ID_REQUIRED (v4+). */
export async function join(client: RawClient, o: JoinOptions): Promise<JoinResponse> {
  const version = o.version ?? 9;
  let res = await client.request<JoinResponse>(joinGroupApi, version, joinRequest(o));
  if (res.errorCode === 79) res = await client.request<JoinResponse>(joinGroupApi, version, joinRequest({ ...o, memberId: res.memberId }));
  return res;
}

export async function sync(
  client: RawClient,
  groupId: string,
  memberId: string,
  generationId: number,
  assignments: { memberId: string; assignment: Uint8Array }[] = [],
  extra: { groupInstanceId?: string | null; protocolType?: string | null; protocolName?: string | null; version?: number } = {},
): Promise<SyncResponse> {
  return client.request<SyncResponse>(syncGroupApi, extra.version ?? 5, {
    groupId,
    generationId,
    memberId,
    groupInstanceId: extra.groupInstanceId ?? null,
    protocolType: extra.protocolType ?? null,
    protocolName: extra.protocolName ?? null,
    assignments,
  });
}

export async function heartbeat(client: RawClient, groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null, version = 4): Promise<number> {
  const res = await client.request<heartbeatApi.HeartbeatResponse>(heartbeatApi, version, { groupId, generationId, memberId, groupInstanceId });
  return res.errorCode ?? -999;
}

/** A single member that joins and syncs (assigning `assignment` to itself); returns its member id and generation. */
export async function soloMember(client: RawClient, o: JoinOptions, assignment = new Uint8Array([1, 2, 3])): Promise<{ memberId: string; generationId: number }> {
  const j = await join(client, o);
  if (j.errorCode !== 0) throw new Error(`join failed: ${j.errorCode}`);
  const memberId = j.memberId as string;
  const s = await sync(client, o.groupId, memberId, j.generationId as number, [{ memberId, assignment }], { groupInstanceId: o.groupInstanceId ?? null });
  if (s.errorCode !== 0) throw new Error(`sync failed: ${s.errorCode}`);
  return { memberId, generationId: j.generationId as number };
}

export async function describe(client: RawClient, groupId: string): Promise<NonNullable<describeGroupsApi.DescribeGroupsResponse['groups']>[number]> {
  const res = await client.request<describeGroupsApi.DescribeGroupsResponse>(describeGroupsApi, 5, { groups: [groupId], includeAuthorizedOperations: false });
  return (res.groups ?? [])[0];
}

export interface CommitOptions {
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  metadata?: string | null;
  leaderEpoch?: number;
  version?: number;
}

/** Commits offsets; returns the error code of each partition, in order. */
export async function commit(client: RawClient, groupId: string, topic: string, offsets: Record<number, number>, o: CommitOptions = {}): Promise<number[]> {
  const res = await client.request<offsetCommitApi.OffsetCommitResponse>(offsetCommitApi, o.version ?? 9, {
    groupId,
    generationIdOrMemberEpoch: o.generationId ?? -1,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    retentionTimeMs: -1,
    topics: [{
      name: topic,
      partitions: Object.entries(offsets).map(([p, offset]) => ({
        partitionIndex: Number(p),
        committedOffset: offset,
        committedLeaderEpoch: o.leaderEpoch ?? -1,
        commitTimestamp: -1,
        committedMetadata: o.metadata === undefined ? 'meta' : o.metadata,
      })),
    }],
  });
  return (res.topics ?? []).flatMap((t) => (t.partitions ?? []).map((p) => p.errorCode ?? -999));
}

/** Committed offsets of the partitions (-1 where none), through OffsetFetch v9. */
export async function fetchCommitted(client: RawClient, groupId: string, topic: string, partitions: number[]): Promise<(number | bigint)[]> {
  const res = await client.request<offsetFetchApi.OffsetFetchResponse>(offsetFetchApi, 9, {
    groupId: '',
    topics: null,
    groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: topic, partitionIndexes: partitions }] }],
    requireStable: false,
  });
  const group = (res.groups ?? [])[0];
  if (group?.errorCode !== 0) throw new Error(`offset fetch failed: ${group?.errorCode}`);
  return (group.topics?.[0]?.partitions ?? []).map((p) => p.committedOffset ?? -999);
}

/**
 * Starts `work` while another session has deleted the topic's row and not yet committed (without the NOTIFY a
 * DeleteTopics sends, so brokers keep the topic cached), waits until `work` blocks on that row's lock, then commits
 * the delete; resolves with what `work` resolved to.
 */
export async function racingTopicDelete<T>(sql: Sql, topicId: number, work: () => Promise<T>): Promise<T> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => { release = resolve; });
  let deleted!: () => void;
  const isDeleted = new Promise<void>((resolve) => { deleted = resolve; });
  const deleting = sql.begin(async (tx) => {
    await tx`delete from kafka.topics where id = ${topicId}`;
    deleted();
    await held;
  });
  await isDeleted;
  const result = work();
  result.catch(() => {});
  try {
    await until(async () => {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
      return row.n > 0;
    }, 20_000, 'the commit to wait for the deleted topic row');
  } finally {
    release();
    await deleting;
  }
  return result;
}
