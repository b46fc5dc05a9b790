// Producer ids and per-partition producer state in PostgreSQL: ids from the kafka.producer_ids sequence, the
// kafka.producer_state rows the append path checks and updates (inside its transaction), the aborted-transaction
// index, DescribeProducers and expiry of idle producers.
import type { Sql, TransactionSql } from 'postgres';
import type { BatchMetadata, ProducerEntry } from './producer-state.ts';

type Db = Sql | TransactionSql;

/** A new producer id (unique across brokers: a PostgreSQL sequence). */
export async function nextProducerId(sql: Db): Promise<number> {
  const [row] = await sql<{ id: number }[]>`select nextval('kafka.producer_ids') as id`;
  return Number(row.id);
}

export interface ProducerKey {
  topicId: number;
  partition: number;
  producerId: number;
}

export interface StoredProducerEntry extends ProducerEntry {
  topicId: number;
  partition: number;
}

interface EntryRow {
  topicId: number;
  partition: number;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  batches: [number, number, number, number, number][];
  txnFirstOffset: number | null;
  lastTimestamp: number;
}

function toEntry(r: EntryRow): StoredProducerEntry {
  return {
    topicId: r.topicId,
    partition: r.partition,
    producerId: Number(r.producerId),
    producerEpoch: r.producerEpoch,
    coordinatorEpoch: r.coordinatorEpoch,
    batches: r.batches.map(([firstSeq, lastSeq, firstOffset, lastOffset, maxTimestamp]): BatchMetadata => ({ firstSeq, lastSeq, firstOffset, lastOffset, maxTimestamp })),
    txnFirstOffset: r.txnFirstOffset === null ? null : Number(r.txnFirstOffset),
    lastTimestamp: Number(r.lastTimestamp),
  };
}

const ENTRY_COLUMNS = `topic_id as "topicId", partition, producer_id as "producerId", producer_epoch as "producerEpoch",
  coordinator_epoch as "coordinatorEpoch", batches, txn_first_offset as "txnFirstOffset", last_timestamp as "lastTimestamp"`;

/** The stored state of these (partition, producer) pairs; absent pairs have none. */
export async function loadProducerEntries(sql: Db, keys: ProducerKey[]): Promise<StoredProducerEntry[]> {
  if (keys.length === 0) return [];
  const rows = await sql<EntryRow[]>`
    select ${sql.unsafe(ENTRY_COLUMNS)} from kafka.producer_state
    where (topic_id, partition, producer_id) in (
      select * from unnest(${keys.map((k) => k.topicId)}::int[], ${keys.map((k) => k.partition)}::int[], ${keys.map((k) => k.producerId)}::int8[]))`;
  return rows.map(toEntry);
}

/** The state of every producer of these producer ids in these partitions (markers: one producer, many partitions). */
export async function loadProducerEntriesFor(sql: Db, producerId: number, partitions: { topicId: number; partition: number }[]): Promise<StoredProducerEntry[]> {
  return loadProducerEntries(sql, partitions.map((p) => ({ ...p, producerId })));
}

/** Inserts or replaces the state rows. */
export async function saveProducerEntries(sql: Db, entries: StoredProducerEntry[], now: number): Promise<void> {
  if (entries.length === 0) return;
  const doc = entries.map((e) => ({
    topic_id: e.topicId,
    partition: e.partition,
    producer_id: e.producerId,
    producer_epoch: e.producerEpoch,
    coordinator_epoch: e.coordinatorEpoch,
    batches: e.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset, b.maxTimestamp]),
    txn_first_offset: e.txnFirstOffset,
    last_timestamp: e.lastTimestamp,
  }));
  await sql`
    insert into kafka.producer_state as s
      (topic_id, partition, producer_id, producer_epoch, coordinator_epoch, batches, txn_first_offset, last_timestamp, updated_ms)
    select topic_id, partition, producer_id, producer_epoch, coordinator_epoch, batches, txn_first_offset, last_timestamp, ${now}
    from jsonb_to_recordset(${sql.json(doc as never)}) as x(topic_id int, partition int, producer_id int8, producer_epoch int2,
      coordinator_epoch int, batches jsonb, txn_first_offset int8, last_timestamp int8)
    on conflict (topic_id, partition, producer_id) do update set
      producer_epoch = excluded.producer_epoch, coordinator_epoch = excluded.coordinator_epoch, batches = excluded.batches,
      txn_first_offset = excluded.txn_first_offset, last_timestamp = excluded.last_timestamp, updated_ms = excluded.updated_ms`;
}

/** Records aborted transactions in the partitions' transaction index. */
export async function insertAbortedTransactions(
  sql: Db,
  aborted: { topicId: number; partition: number; producerId: number; firstOffset: number; lastOffset: number }[],
): Promise<void> {
  if (aborted.length === 0) return;
  await sql`
    insert into kafka.aborted_transactions (topic_id, partition, producer_id, first_offset, last_offset)
    select * from unnest(${aborted.map((a) => a.topicId)}::int[], ${aborted.map((a) => a.partition)}::int[],
      ${aborted.map((a) => a.producerId)}::int8[], ${aborted.map((a) => a.firstOffset)}::int8[], ${aborted.map((a) => a.lastOffset)}::int8[])
    on conflict do nothing`;
}

export interface AbortedTransactionRow {
  producerId: number;
  firstOffset: number;
}

/** Aborted transactions of the partition overlapping [fromOffset, toOffset), by first offset. */
export async function abortedTransactionsIn(sql: Db, topicId: number, partition: number, fromOffset: number, toOffset: number): Promise<AbortedTransactionRow[]> {
  const rows = await sql<{ producerId: number; firstOffset: number }[]>`
    select producer_id as "producerId", first_offset as "firstOffset" from kafka.aborted_transactions
    where topic_id = ${topicId} and partition = ${partition} and last_offset >= ${fromOffset} and first_offset < ${toOffset}
    order by first_offset`;
  return rows.map((r) => ({ producerId: Number(r.producerId), firstOffset: Number(r.firstOffset) }));
}

/** Every producer with state in the partition (DescribeProducers). */
export async function producersOf(sql: Db, topicId: number, partition: number): Promise<StoredProducerEntry[]> {
  const rows = await sql<EntryRow[]>`
    select ${sql.unsafe(ENTRY_COLUMNS)} from kafka.producer_state
    where topic_id = ${topicId} and partition = ${partition} order by producer_id`;
  return rows.map(toEntry);
}

/** Deletes the state of producers idle since `before` (broker time) without an open transaction; returns how many. */
export async function expireProducers(sql: Db, before: number): Promise<number> {
  const rows = await sql`
    delete from kafka.producer_state where updated_ms < ${before} and txn_first_offset is null returning 1`;
  return rows.length;
}
