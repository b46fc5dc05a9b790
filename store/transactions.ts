// The transaction coordinator's state in PostgreSQL (Kafka's __transaction_state): transactional ids with their
// producer id, epoch, state and timeout; the partitions and groups of the ongoing transaction; offsets committed
// with TxnOffsetCommit, pending until the transaction ends. Every change runs in one PostgreSQL transaction holding
// the transactional id's row lock (updateTransaction), so the state change, its markers and the move of pending
// offsets into committed offsets commit together or not at all.
import type { Sql, TransactionSql } from 'postgres';
import { appendCoordinatorRecords, offsetRecord, type AppendedPartition } from './consumer-offsets.ts';
import { writeMarkers, type MarkerRequest, type WrittenMarker } from './markers.ts';
import { nextProducerId } from './producers.ts';
import { lastPerPartition, liveTopics } from './group-offsets.ts';
import { int8, int8Array } from './db.ts';
import type { Int64 } from '../codec/int64.ts';

export interface TransactionRow {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  lastProducerId: number;
  lastProducerEpoch: number;
  timeoutMs: number;
  /** Kafka's TransactionState name: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort. */
  state: string;
  /** When the ongoing transaction began (ms since the epoch), -1 when none. */
  startTimestamp: number;
  updateTimestamp: number;
}

export interface TxnPartition {
  topicId: number;
  partition: number;
}

export interface PendingOffset {
  groupId: string;
  topicId: number;
  partition: number;
  /** The group's coordinator slot (kept for the group row created at commit when the group has none). */
  slot: number;
  producerId: Int64;
  /** Any int64, as OffsetCommit's. */
  offset: Int64;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
}

const ROW_COLUMNS = `transactional_id as "transactionalId", producer_id as "producerId", producer_epoch as "producerEpoch",
  last_producer_id as "lastProducerId", last_producer_epoch as "lastProducerEpoch", timeout_ms as "timeoutMs", state,
  start_timestamp as "startTimestamp", update_timestamp as "updateTimestamp"`;

function toRow(r: TransactionRow): TransactionRow {
  return {
    ...r,
    producerId: Number(r.producerId),
    lastProducerId: Number(r.lastProducerId),
    startTimestamp: Number(r.startTimestamp),
    updateTimestamp: Number(r.updateTimestamp),
  };
}

/** What a state change may do, inside the transactional id's PostgreSQL transaction. */
export class TxnOps {
  readonly tx: TransactionSql;
  readonly transactionalId: string;
  /** The row as locked (null: the transactional id is unknown). */
  current: TransactionRow | null;

  constructor(tx: TransactionSql, transactionalId: string, current: TransactionRow | null) {
    this.tx = tx;
    this.transactionalId = transactionalId;
    this.current = current;
  }

  nextProducerId(): Promise<number> {
    return nextProducerId(this.tx);
  }

  /**
   * Creates the row (a new transactional id, with a new producer id) unless another broker just did; either way
   * returns the locked row.
   */
  async create(init: Omit<TransactionRow, 'transactionalId' | 'producerId'>): Promise<TransactionRow> {
    const producerId = await this.nextProducerId();
    await this.tx`
      insert into kafka.transactions (transactional_id, producer_id, producer_epoch, last_producer_id, last_producer_epoch,
        timeout_ms, state, start_timestamp, update_timestamp)
      values (${this.transactionalId}, ${producerId}, ${init.producerEpoch}, ${init.lastProducerId}, ${init.lastProducerEpoch},
        ${init.timeoutMs}, ${init.state}, ${init.startTimestamp}, ${init.updateTimestamp})
      on conflict (transactional_id) do nothing`;
    const row = await lockRow(this.tx, this.transactionalId, false);
    if (row === null || row === 'locked') throw new Error(`transactional id ${this.transactionalId} vanished while being created`);
    this.current = row;
    return row;
  }

  async save(row: TransactionRow): Promise<void> {
    await this.tx`
      update kafka.transactions set producer_id = ${row.producerId}, producer_epoch = ${row.producerEpoch},
        last_producer_id = ${row.lastProducerId}, last_producer_epoch = ${row.lastProducerEpoch}, timeout_ms = ${row.timeoutMs},
        state = ${row.state}, start_timestamp = ${row.startTimestamp}, update_timestamp = ${row.updateTimestamp}
      where transactional_id = ${this.transactionalId}`;
    this.current = row;
  }

  async partitions(): Promise<TxnPartition[]> {
    const rows = await this.tx<TxnPartition[]>`
      select topic_id as "topicId", partition from kafka.transaction_partitions
      where transactional_id = ${this.transactionalId} order by topic_id, partition`;
    return rows.map((r) => ({ topicId: r.topicId, partition: r.partition }));
  }

  async groups(): Promise<string[]> {
    const rows = await this.tx<{ groupId: string }[]>`
      select group_id as "groupId" from kafka.transaction_groups where transactional_id = ${this.transactionalId} order by group_id`;
    return rows.map((r) => r.groupId);
  }

  async addPartitions(partitions: TxnPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    await this.tx`
      insert into kafka.transaction_partitions (transactional_id, topic_id, partition)
      select ${this.transactionalId}, * from unnest(${partitions.map((p) => p.topicId)}::int[], ${partitions.map((p) => p.partition)}::int[])
      on conflict do nothing`;
  }

  async addGroups(groupIds: string[]): Promise<void> {
    if (groupIds.length === 0) return;
    await this.tx`
      insert into kafka.transaction_groups (transactional_id, group_id)
      select ${this.transactionalId}, unnest(${groupIds}::text[])
      on conflict do nothing`;
  }

  /**
   * Stores (replaces) pending transactional offsets of one group (the last one of a partition named twice). Returns
   * the internal ids of the topics that still exist: offsets of topics deleted meanwhile are not stored.
   */
  async putPendingOffsets(offsets: PendingOffset[]): Promise<Set<number>> {
    if (offsets.length === 0) return new Set();
    offsets = lastPerPartition(offsets);
    const [row] = await this.tx<{ live: number[] | null }[]>`
      with live as (
        ${liveTopics(this.tx, offsets.map((o) => o.topicId))}
      ), w as (
        insert into kafka.pending_txn_offsets as o (transactional_id, group_id, topic_id, partition, slot, producer_id,
          committed_offset, leader_epoch, metadata, commit_timestamp)
        select ${this.transactionalId}, t.* from unnest(${offsets.map((o) => o.groupId)}::text[], ${offsets.map((o) => o.topicId)}::int[],
          ${offsets.map((o) => o.partition)}::int[], ${offsets.map((o) => o.slot)}::int[], ${int8Array(offsets.map((o) => o.producerId))}::int8[],
          ${int8Array(offsets.map((o) => o.offset))}::int8[], ${offsets.map((o) => o.leaderEpoch)}::int[], ${offsets.map((o) => o.metadata)}::text[],
          ${offsets.map((o) => o.commitTimestamp)}::int8[])
          as t(group_id, topic_id, partition, slot, producer_id, committed_offset, leader_epoch, metadata, commit_timestamp)
        join live on live.id = t.topic_id
        on conflict (transactional_id, group_id, topic_id, partition) do update set
          slot = excluded.slot, producer_id = excluded.producer_id, committed_offset = excluded.committed_offset,
          leader_epoch = excluded.leader_epoch, metadata = excluded.metadata, commit_timestamp = excluded.commit_timestamp
        returning 1
      )
      select (select array_agg(id) from live) as live, (select count(*) from w) as written`;
    return new Set(row.live ?? []);
  }

  writeMarkers(request: Omit<MarkerRequest, 'partitions'> & { partitions: TxnPartition[] }): Promise<WrittenMarker[]> {
    return writeMarkers(this.tx, request);
  }

  /**
   * Commit: the pending offsets become the groups' committed offsets (a group without a row gets one, empty, like a
   * simple consumer's first commit), logged to `__consumer_offsets`. Returns how many offsets were committed and
   * where the log grew.
   */
  async commitPendingOffsets(now: number): Promise<{ committed: number; appended: AppendedPartition[] }> {
    const rows = await this.tx<{ group_id: string; topic: string; partition: number; committed_offset: string; leader_epoch: number; metadata: string | null; commit_timestamp: string }[]>`
      with moved as (
        delete from kafka.pending_txn_offsets where transactional_id = ${this.transactionalId} returning *
      ), g as (
        insert into kafka.groups (group_id, slot, state, state_timestamp)
        select distinct on (group_id) group_id, slot, 'Empty', ${now}::int8 from moved
        on conflict (group_id) do nothing
      ), w as (
        insert into kafka.group_offsets as o
          (group_id, topic_id, partition, committed_offset, leader_epoch, metadata, commit_timestamp, expire_timestamp)
        select group_id, topic_id, partition, committed_offset, leader_epoch, metadata, commit_timestamp, null from moved
        on conflict (group_id, topic_id, partition) do update
          set committed_offset = excluded.committed_offset, leader_epoch = excluded.leader_epoch,
              metadata = excluded.metadata, commit_timestamp = excluded.commit_timestamp, expire_timestamp = null
        returning o.group_id, o.topic_id, o.partition, o.committed_offset, o.leader_epoch, o.metadata, o.commit_timestamp
      )
      select w.group_id, t.name as topic, w.partition, w.committed_offset, w.leader_epoch, w.metadata, w.commit_timestamp
      from w join kafka.topics t on t.id = w.topic_id
      order by w.group_id, t.name, w.partition`;
    const appended = await appendCoordinatorRecords(this.tx, rows.map((r) => offsetRecord({
      groupId: r.group_id,
      topic: r.topic,
      partition: r.partition,
      value: { offset: Number(r.committed_offset), leaderEpoch: r.leader_epoch, metadata: r.metadata, commitTimestamp: Number(r.commit_timestamp) },
    })), now);
    return { committed: rows.length, appended };
  }

  /** Abort: the pending offsets are dropped. */
  async dropPendingOffsets(): Promise<void> {
    await this.tx`delete from kafka.pending_txn_offsets where transactional_id = ${this.transactionalId}`;
  }

  /** Forgets the ended transaction's partitions and groups. */
  async clearMembership(): Promise<void> {
    await this.tx`delete from kafka.transaction_partitions where transactional_id = ${this.transactionalId}`;
    await this.tx`delete from kafka.transaction_groups where transactional_id = ${this.transactionalId}`;
  }
}

async function lockRow(tx: TransactionSql, transactionalId: string, skipLocked: boolean): Promise<TransactionRow | null | 'locked'> {
  const rows = skipLocked
    ? await tx<TransactionRow[]>`select ${tx.unsafe(ROW_COLUMNS)} from kafka.transactions where transactional_id = ${transactionalId} for update skip locked`
    : await tx<TransactionRow[]>`select ${tx.unsafe(ROW_COLUMNS)} from kafka.transactions where transactional_id = ${transactionalId} for update`;
  if (rows.length > 0) return toRow(rows[0]);
  if (!skipLocked) return null;
  const [exists] = await tx`select 1 from kafka.transactions where transactional_id = ${transactionalId}`;
  return exists ? 'locked' : null;
}

/** Returned by updateTransaction with skipLocked when another broker holds the row. */
export const LOCKED: unique symbol = Symbol('locked');

/**
 * Runs `body` in one PostgreSQL transaction holding the transactional id's row lock (FOR UPDATE; with skipLocked,
 * gives up at once and returns LOCKED when another session holds it). Whatever body writes commits with it.
 */
export async function updateTransaction<T>(
  sql: Sql,
  transactionalId: string,
  body: (ops: TxnOps) => Promise<T>,
  options: { skipLocked?: boolean } = {},
): Promise<T | typeof LOCKED> {
  return sql.begin(async (tx) => {
    const row = await lockRow(tx, transactionalId, options.skipLocked ?? false);
    if (row === 'locked') return LOCKED;
    return body(new TxnOps(tx, transactionalId, row));
  }) as Promise<T | typeof LOCKED>;
}

export interface DescribedTransaction extends TransactionRow {
  partitions: { topic: string; partition: number }[];
}

/** A transactional id's state with the partitions of its ongoing transaction (by topic name); null when unknown. */
export async function describeTransaction(sql: Sql, transactionalId: string): Promise<DescribedTransaction | null> {
  const [row] = await sql<TransactionRow[]>`select ${sql.unsafe(ROW_COLUMNS)} from kafka.transactions where transactional_id = ${transactionalId}`;
  if (!row) return null;
  const partitions = await sql<{ topic: string; partition: number }[]>`
    select t.name as topic, p.partition from kafka.transaction_partitions p join kafka.topics t on t.id = p.topic_id
    where p.transactional_id = ${transactionalId} order by t.name, p.partition`;
  return { ...toRow(row), partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })) };
}

export interface TransactionFilter {
  /** Only these states (empty: any). */
  states: string[];
  /** Only these producer ids (empty: any). */
  producerIds: Int64[];
  /** Only transactions begun before this time (ms since the epoch; Kafka counts a start of -1 as long ago); null: any. */
  startedBefore: Int64 | null;
}

const nullableInt8 = (v: Int64 | null) => (v === null ? null : int8(v));

/** Transactional ids matching the filter (ListTransactions). */
export async function listTransactions(sql: Sql, filter: TransactionFilter): Promise<TransactionRow[]> {
  const rows = await sql<TransactionRow[]>`
    select ${sql.unsafe(ROW_COLUMNS)} from kafka.transactions
    where (cardinality(${filter.states}::text[]) = 0 or state = any(${filter.states}::text[]))
      and (cardinality(${int8Array(filter.producerIds)}::int8[]) = 0 or producer_id = any(${int8Array(filter.producerIds)}::int8[]))
      and (${nullableInt8(filter.startedBefore)}::int8 is null or start_timestamp < ${nullableInt8(filter.startedBefore)}::int8)
    order by transactional_id`;
  return rows.map(toRow);
}

/** Ongoing transactions whose timeout has passed at `now`. */
export async function timedOutTransactions(sql: Sql, now: number): Promise<{ transactionalId: string; producerId: number }[]> {
  const rows = await sql<{ transactionalId: string; producerId: number }[]>`
    select transactional_id as "transactionalId", producer_id as "producerId" from kafka.transactions
    where state = 'Ongoing' and start_timestamp + timeout_ms < ${now}
    order by start_timestamp`;
  return rows.map((r) => ({ transactionalId: r.transactionalId, producerId: Number(r.producerId) }));
}

/** Deletes transactional ids idle (no transaction in progress) since `before`; returns their ids. */
export async function expireTransactionalIds(sql: Sql, before: number): Promise<string[]> {
  const rows = await sql<{ transactionalId: string }[]>`
    delete from kafka.transactions
    where state in ('Empty', 'CompleteCommit', 'CompleteAbort') and update_timestamp < ${before}
    returning transactional_id as "transactionalId"`;
  return rows.map((r) => r.transactionalId);
}

/**
 * The group's partitions with transactional offsets not yet committed or aborted: OffsetFetch with requireStable
 * answers UNSTABLE_OFFSET_COMMIT for those (Kafka: pending transactional offsets).
 */
export async function pendingTransactionalOffsets(sql: Sql, groupId: string): Promise<TxnPartition[]> {
  const rows = await sql<TxnPartition[]>`
    select distinct topic_id as "topicId", partition from kafka.pending_txn_offsets where group_id = ${groupId}`;
  return rows.map((r) => ({ topicId: r.topicId, partition: r.partition }));
}
