// Consumer group rows: coordinator slot leases (claim, renew, release, who holds them, the NOTIFY channel brokers
// use to hand slots over) and persisted group metadata (load the groups of slots, save or delete a group). Every
// write is fenced on the caller's lease of the group's slot.
import { Buffer } from 'node:buffer';
import type { Sql, TransactionSql } from 'postgres';
import { appendCoordinatorRecords, groupRecord, offsetRecord, type AppendedPartition } from './consumer-offsets.ts';

/** A broker's claim on a slot: writes pass it and succeed only while the lease row still carries this epoch. */
export interface SlotFence {
  readonly slot: number;
  readonly nodeId: number;
  readonly epoch: number;
}

/** The lease row that must still carry `fence` for a write to go ahead: `with f as (${fenceHolds(sql, fence)})`. */
export function fenceHolds(sql: Sql | TransactionSql, fence: SlotFence) {
  return sql`select 1 from kafka.group_coordinator_slots where slot = ${fence.slot} and node_id = ${fence.nodeId} and epoch = ${fence.epoch}`;
}

export interface SlotOwner {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocols: { name: string; metadata: Uint8Array }[];
  assignment: Uint8Array;
}

export interface StoredGroup {
  groupId: string;
  slot: number;
  type: string;
  protocolType: string | null;
  protocolName: string | null;
  generation: number;
  leader: string | null;
  state: 'Empty' | 'Stable';
  /** Milliseconds since the epoch when the group entered `state`. */
  stateTimestamp: number;
  members: StoredMember[];
}

/** NOTIFY channel of coordinator slot changes; payload "<nodeId> <released|wanted>". */
export const SLOTS_CHANNEL = 'kafka_coordinator_slots';

export type SlotSignal = 'released' | 'wanted';

export interface ClaimOptions {
  /** Claim at most this many of `slots` (in the order given). */
  limit?: number;
  /** Only slots whose lease ended at least this long ago (ours are claimable at any time). Default 0. */
  freeForMs?: number;
}

/**
 * Claims the slots whose lease ended (or that this node held before, e.g. in an earlier process): returns the
 * slots won with their new epoch. A slot another broker claims at the same moment goes to one of the two.
 */
export async function claimSlots(sql: Sql, slots: number[], owner: SlotOwner, leaseMs: number, options: ClaimOptions = {}): Promise<{ slot: number; epoch: number }[]> {
  if (slots.length === 0 || options.limit === 0) return [];
  const freeForMs = options.freeForMs ?? 0;
  const limit = options.limit ?? slots.length;
  const rows = await sql<{ slot: number; epoch: number }[]>`
    insert into kafka.group_coordinator_slots as s (slot, node_id, host, port, epoch, lease_until)
    select x.slot, ${owner.nodeId}, ${owner.host}, ${owner.port}, 1, now() + ${leaseMs} * interval '1 millisecond'
    from unnest(${slots}::int[]) with ordinality as x(slot, ord)
    left join kafka.group_coordinator_slots c on c.slot = x.slot
    where c.slot is null or c.node_id = ${owner.nodeId} or c.lease_until < now() - ${freeForMs} * interval '1 millisecond'
    order by x.ord
    limit ${limit}
    on conflict (slot) do update
      set node_id = excluded.node_id, host = excluded.host, port = excluded.port, epoch = s.epoch + 1,
          lease_until = excluded.lease_until
      where s.node_id = excluded.node_id or s.lease_until < now() - ${freeForMs} * interval '1 millisecond'
    returning slot, epoch`;
  return rows.map((r) => ({ slot: r.slot, epoch: Number(r.epoch) }));
}

/** Extends the leases still held under the given fences; returns the slots renewed (the others are lost). */
export async function renewSlots(sql: Sql, fences: SlotFence[], leaseMs: number): Promise<number[]> {
  if (fences.length === 0) return [];
  const rows = await sql<{ slot: number }[]>`
    update kafka.group_coordinator_slots as s
    set lease_until = now() + ${leaseMs} * interval '1 millisecond'
    from unnest(${fences.map((f) => f.slot)}::int[], ${fences.map((f) => f.epoch)}::int8[]) as f(slot, epoch)
    where s.slot = f.slot and s.epoch = f.epoch and s.node_id = ${fences[0].nodeId}
    returning s.slot`;
  return rows.map((r) => r.slot);
}

/**
 * Gives leases up at once (shutdown, or handing slots to another broker), so another broker can take the slots
 * without waiting, and tells the other brokers (SLOTS_CHANNEL). The lease ends now: how long a slot has been
 * free is measured from here.
 */
export async function releaseSlots(sql: Sql, fences: SlotFence[]): Promise<void> {
  if (fences.length === 0) return;
  await sql`
    with r as (
      update kafka.group_coordinator_slots as s
      set lease_until = now() - interval '1 millisecond'
      from unnest(${fences.map((f) => f.slot)}::int[], ${fences.map((f) => f.epoch)}::int8[]) as f(slot, epoch)
      where s.slot = f.slot and s.epoch = f.epoch and s.node_id = ${fences[0].nodeId}
      returning s.slot
    )
    select pg_notify(${SLOTS_CHANNEL}, ${`${fences[0].nodeId} released`}) where exists (select 1 from r)`;
}

/** Tells the other brokers something about the slots (e.g. 'wanted': this broker holds less than its share). */
export async function signalSlots(sql: Sql, nodeId: number, signal: SlotSignal): Promise<void> {
  await sql`select pg_notify(${SLOTS_CHANNEL}, ${`${nodeId} ${signal}`})`;
}

/** Calls `changed` with the sender's node id and signal on every slot notification. Resolves with the unlisten. */
export async function listenSlotChanges(sql: Sql, changed: (nodeId: number, signal: string) => void): Promise<() => Promise<void>> {
  const { unlisten } = await sql.listen(SLOTS_CHANNEL, (payload) => {
    const [node, signal] = payload.split(' ');
    changed(Number(node), signal ?? '');
  });
  return unlisten;
}

export interface SlotHolder {
  slot: number;
  nodeId: number;
  /** The lease is current. */
  live: boolean;
  /** The lease ended at least `orphanedMs` ago and nobody claimed the slot since. */
  orphaned: boolean;
}

/** Every slot row: who holds or last held it, whether the lease is current or long ended. Slots never claimed have no row. */
export async function slotHolders(sql: Sql, orphanedMs: number): Promise<SlotHolder[]> {
  const rows = await sql<{ slot: number; node_id: number; live: boolean; orphaned: boolean }[]>`
    select slot, node_id, lease_until >= now() as live,
           lease_until < now() - ${orphanedMs} * interval '1 millisecond' as orphaned
    from kafka.group_coordinator_slots`;
  return rows.map((r) => ({ slot: r.slot, nodeId: r.node_id, live: r.live, orphaned: r.orphaned }));
}

/** The broker holding a live lease on the slot, or null. */
export async function slotOwner(sql: Sql, slot: number): Promise<SlotOwner | null> {
  const [row] = await sql<{ node_id: number; host: string; port: number }[]>`
    select node_id, host, port from kafka.group_coordinator_slots where slot = ${slot} and lease_until >= now()`;
  return row ? { nodeId: row.node_id, host: row.host, port: row.port } : null;
}

interface GroupRow {
  group_id: string;
  slot: number;
  type: string;
  protocol_type: string | null;
  protocol_name: string | null;
  generation: number;
  leader: string | null;
  state: string;
  state_timestamp: number;
  members: JsonMember[];
}

interface JsonMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocols: { name: string; metadata: string }[];
  assignment: string;
}

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

function toJson(m: StoredMember): JsonMember {
  return {
    ...m,
    protocols: m.protocols.map((p) => ({ name: p.name, metadata: b64(p.metadata) })),
    assignment: b64(m.assignment),
  };
}

function fromJson(m: JsonMember): StoredMember {
  return {
    ...m,
    protocols: m.protocols.map((p) => ({ name: p.name, metadata: unb64(p.metadata) })),
    assignment: unb64(m.assignment),
  };
}

/** Every persisted classic group of the slots (KIP-848 groups: store/consumer-groups.ts). */
export async function loadGroups(sql: Sql, slots: number | readonly number[]): Promise<StoredGroup[]> {
  const rows = await sql<GroupRow[]>`
    select group_id, slot, type, protocol_type, protocol_name, generation, leader, state, state_timestamp, members
    from kafka.groups where slot = any(${typeof slots === 'number' ? [slots] : [...slots]}::int[]) and type <> 'consumer'`;
  return rows.map((r) => ({
    groupId: r.group_id,
    slot: r.slot,
    type: r.type,
    protocolType: r.protocol_type,
    protocolName: r.protocol_name,
    generation: r.generation,
    leader: r.leader,
    state: r.state === 'Stable' ? 'Stable' : 'Empty',
    stateTimestamp: Number(r.state_timestamp),
    members: (r.members ?? []).map(fromJson),
  }));
}

/** Kafka's group-metadata record of a classic group: each member's subscription is its metadata for the chosen protocol. */
function groupMetadata(g: StoredGroup) {
  return {
    protocolType: g.protocolType ?? '',
    generation: g.generation,
    protocol: g.protocolName,
    leader: g.leader,
    currentStateTimestamp: g.stateTimestamp,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: (m.protocols.find((p) => p.name === g.protocolName) ?? m.protocols[0])?.metadata ?? new Uint8Array(0),
      assignment: m.assignment,
    })),
  };
}

/**
 * Inserts or replaces a classic group's row (a consumer group of the same id becomes this one), and logs its
 * metadata to `__consumer_offsets`, in one transaction. False when the fence no longer holds (nothing written).
 */
export async function saveGroup(sql: Sql, fence: SlotFence, g: StoredGroup, now = Date.now()): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [row] = await tx<{ owned: boolean }[]>`
      with f as (
        ${fenceHolds(tx, fence)}
      ), w as (
        insert into kafka.groups as g (group_id, slot, type, protocol_type, protocol_name, generation, leader, state, state_timestamp, members)
        select ${g.groupId}, ${g.slot}, ${g.type}, ${g.protocolType}, ${g.protocolName}, ${g.generation}, ${g.leader}, ${g.state},
               ${g.stateTimestamp}, ${tx.json(g.members.map(toJson) as unknown as Parameters<Sql['json']>[0])}
        where exists (select 1 from f)
        on conflict (group_id) do update
          set slot = excluded.slot, type = excluded.type, protocol_type = excluded.protocol_type,
              protocol_name = excluded.protocol_name, generation = excluded.generation, leader = excluded.leader,
              state = excluded.state, state_timestamp = excluded.state_timestamp, members = excluded.members,
              consumer = null, updated_at = now()
        returning 1
      )
      select exists (select 1 from f) as owned, (select count(*) from w) as written`;
    if (row.owned) await appendCoordinatorRecords(tx, [groupRecord({ groupId: g.groupId, value: groupMetadata(g) })], now);
    return row.owned;
  });
}

/**
 * Deletes groups with their committed offsets, and writes their tombstones (each offset's, then the group's) to
 * `__consumer_offsets`. Not owned when the fence no longer holds (nothing deleted).
 */
export async function deleteGroups(sql: Sql, fence: SlotFence, groupIds: string[]): Promise<{ owned: boolean; appended: AppendedPartition[] }> {
  if (groupIds.length === 0) return { owned: true, appended: [] };
  return sql.begin(async (tx) => {
    const rows = await tx<{ owned: boolean; group_id: string | null; kind: 'offset' | 'group'; topic: string | null; partition: number | null }[]>`
      with f as (
        ${fenceHolds(tx, fence)}
      ), o as (
        delete from kafka.group_offsets where group_id = any(${groupIds}::text[]) and exists (select 1 from f)
        returning group_id, topic_id, partition
      ), d as (
        delete from kafka.groups where group_id = any(${groupIds}::text[]) and exists (select 1 from f)
        returning group_id, type
      ), changes as (
        select o.group_id, 'offset' as kind, t.name as topic, o.partition, 0 as ord from o join kafka.topics t on t.id = o.topic_id
        union all
        select d.group_id, 'group', null, null, 1 from d where d.type = 'classic'
      )
      select exists (select 1 from f) as owned, c.group_id, c.kind, c.topic, c.partition
      from (select 1) one left join changes c on true
      order by c.ord, c.group_id, c.topic, c.partition`;
    if (!rows[0].owned) return { owned: false, appended: [] };
    const records = rows.filter((r) => r.group_id !== null).map((r) => r.kind === 'group'
      ? groupRecord({ groupId: r.group_id!, value: null })
      : offsetRecord({ groupId: r.group_id!, topic: r.topic!, partition: r.partition!, value: null }));
    return { owned: true, appended: await appendCoordinatorRecords(tx, records, Date.now()) };
  });
}
