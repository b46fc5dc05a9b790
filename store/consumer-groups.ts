// KIP-848 consumer group rows in kafka.groups (type 'consumer'): load a slot's groups, save one. The members go in
// `members`, the group-level state (epochs, target assignment, subscribed topics) in `consumer`. Writes are fenced
// on the caller's lease of the group's slot, as for classic groups (store/groups.ts).
import type { Sql } from 'postgres';
import { fenceHolds, type SlotFence } from './groups.ts';

export interface StoredConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: string;
  /** Partitions by topic id. */
  assigned: Record<string, number[]>;
  pendingRevocation: Record<string, number[]>;
}

export interface StoredConsumerGroup {
  groupId: string;
  slot: number;
  /** Empty, Assigning, Reconciling or Stable (for people reading the table; recomputed on load). */
  state: string;
  stateTimestamp: number;
  groupEpoch: number;
  assignmentEpoch: number;
  metadataSignature: string;
  subscribedTopics: string[];
  /** member id → partitions by topic id. */
  targetAssignment: Record<string, Record<string, number[]>>;
  members: StoredConsumerMember[];
}

interface ConsumerColumn {
  assignmentEpoch: number;
  metadataSignature: string;
  subscribedTopics: string[];
  targetAssignment: Record<string, Record<string, number[]>>;
}

interface Row {
  group_id: string;
  slot: number;
  generation: number;
  state_timestamp: number;
  state: string;
  members: StoredConsumerMember[] | null;
  consumer: ConsumerColumn | null;
}

type Json = Parameters<Sql['json']>[0];

/** Every consumer group of the slots. */
export async function loadConsumerGroups(sql: Sql, slots: number | readonly number[]): Promise<StoredConsumerGroup[]> {
  const rows = await sql<Row[]>`
    select group_id, slot, generation, state, state_timestamp, members, consumer
    from kafka.groups where slot = any(${typeof slots === 'number' ? [slots] : [...slots]}::int[]) and type = 'consumer'`;
  return rows.map((r) => ({
    groupId: r.group_id,
    slot: r.slot,
    state: r.state,
    stateTimestamp: Number(r.state_timestamp),
    groupEpoch: r.generation,
    assignmentEpoch: r.consumer?.assignmentEpoch ?? 0,
    metadataSignature: r.consumer?.metadataSignature ?? '',
    subscribedTopics: r.consumer?.subscribedTopics ?? [],
    targetAssignment: r.consumer?.targetAssignment ?? {},
    members: r.members ?? [],
  }));
}

/** Inserts or replaces the group's row (a classic group of the same id becomes this one). False when the fence no longer holds. */
export async function saveConsumerGroup(sql: Sql, fence: SlotFence, g: StoredConsumerGroup): Promise<boolean> {
  const consumer: ConsumerColumn = {
    assignmentEpoch: g.assignmentEpoch,
    metadataSignature: g.metadataSignature,
    subscribedTopics: g.subscribedTopics,
    targetAssignment: g.targetAssignment,
  };
  const [row] = await sql<{ owned: boolean }[]>`
    with f as (
      ${fenceHolds(sql, fence)}
    ), w as (
      insert into kafka.groups as g (group_id, slot, type, protocol_type, protocol_name, generation, leader, state, state_timestamp, members, consumer)
      select ${g.groupId}, ${g.slot}, 'consumer', 'consumer', null, ${g.groupEpoch}, null, ${g.state}, ${g.stateTimestamp},
             ${sql.json(g.members as unknown as Json)}, ${sql.json(consumer as unknown as Json)}
      where exists (select 1 from f)
      on conflict (group_id) do update
        set slot = excluded.slot, type = excluded.type, protocol_type = excluded.protocol_type,
            protocol_name = excluded.protocol_name, generation = excluded.generation, leader = excluded.leader,
            state = excluded.state, state_timestamp = excluded.state_timestamp, members = excluded.members,
            consumer = excluded.consumer, updated_at = now()
      returning 1
    )
    select exists (select 1 from f) as owned, (select count(*) from w) as written`;
  return row.owned;
}
