// Helpers for the KIP-848 consumer group tests over the raw protocol: ConsumerGroupHeartbeat requests with
// defaults, a raw member that keeps its epoch and reports what it owns the way librdkafka does, and short-hands
// for ConsumerGroupDescribe.

import * as heartbeatApi from '../../apis/consumer-group-heartbeat.ts';
import * as describeApi from '../../apis/consumer-group-describe.ts';
import type { RawClient } from './raw-client.ts';

export type HeartbeatRequest = heartbeatApi.ConsumerGroupHeartbeatRequest;
export type HeartbeatResponse = heartbeatApi.ConsumerGroupHeartbeatResponse;
export type DescribedGroup = NonNullable<describeApi.ConsumerGroupDescribeResponse['groups']>[number];
export type TopicPartitions = { topicId: string; partitions: number[] };

export function heartbeatRequest(o: Partial<HeartbeatRequest> & { groupId: string }): HeartbeatRequest {
  return {
    memberId: '',
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: -1,
    subscribedTopicNames: null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: null,
    ...o,
  };
}

export function consumerHeartbeat(client: RawClient, o: Partial<HeartbeatRequest> & { groupId: string }, version = 1): Promise<HeartbeatResponse> {
  return client.request<HeartbeatResponse>(heartbeatApi, version, heartbeatRequest(o));
}

export async function describeConsumerGroup(client: RawClient, groupId: string): Promise<DescribedGroup> {
  const res = await client.request<describeApi.ConsumerGroupDescribeResponse>(describeApi, 0, { groupIds: [groupId], includeAuthorizedOperations: false });
  return (res.groups ?? [])[0];
}

/** Partitions as "topicId:partition" strings, sorted. */
export function flat(tps: readonly { topicId?: string; partitions?: number[] }[] | null | undefined): string[] {
  return (tps ?? []).flatMap((tp) => (tp.partitions ?? []).map((p) => `${tp.topicId}:${p}`)).sort();
}

let nextMember = 1;

/** A member driven by hand: joins, heartbeats at its epoch and acknowledges (reports) its assignment when told. */
export class RawMember {
  client: RawClient;
  readonly groupId: string;
  memberId: string;
  epoch = 0;
  /** What the coordinator last said the member should own. */
  assignment: TopicPartitions[] = [];
  /** What the member last reported owning (the coordinator's view of what it still holds). */
  owned: TopicPartitions[] = [];
  last: HeartbeatResponse = {};

  constructor(client: RawClient, groupId: string, memberId = `raw-member-${nextMember++}-${Math.random().toString(36).slice(2, 10)}`) {
    this.client = client;
    this.groupId = groupId;
    this.memberId = memberId;
  }

  async join(o: Partial<HeartbeatRequest> = {}): Promise<HeartbeatResponse> {
    return this.send({ memberEpoch: 0, rebalanceTimeoutMs: 30_000, topicPartitions: [], ...o });
  }

  /** A heartbeat at the member's epoch; `ack` reports the current assignment as owned (revocations done). */
  async heartbeat(o: Partial<HeartbeatRequest> & { ack?: boolean } = {}): Promise<HeartbeatResponse> {
    const { ack, ...rest } = o;
    if (ack) this.owned = this.assignment.map((tp) => ({ topicId: tp.topicId, partitions: [...tp.partitions] }));
    return this.send({ memberEpoch: this.epoch, topicPartitions: ack ? this.owned : null, ...rest });
  }

  /** Partitions the member may be consuming: its assignment and what it has not reported revoked yet. */
  holding(): string[] {
    return [...new Set([...flat(this.assignment), ...flat(this.owned)])].sort();
  }

  async leave(epoch = -1, instanceId: string | null = null): Promise<HeartbeatResponse> {
    return this.send({ memberEpoch: epoch, instanceId });
  }

  async send(o: Partial<HeartbeatRequest>): Promise<HeartbeatResponse> {
    const res = await consumerHeartbeat(this.client, { groupId: this.groupId, memberId: this.memberId, ...o });
    this.last = res;
    if (res.errorCode === 0) {
      if (res.memberId) this.memberId = res.memberId;
      this.epoch = res.memberEpoch ?? this.epoch;
      if (res.assignment) {
        this.assignment = (res.assignment.topicPartitions ?? []).map((tp) => ({ topicId: tp.topicId ?? '', partitions: [...(tp.partitions ?? [])] }));
      }
    }
    return res;
  }
}
