// The append path for batches with producer ids (idempotent and transactional producers): in ONE PostgreSQL
// transaction, the producer's transaction (share lock) and the partitions (row locks, in order) are locked, the
// producers' state is read, every batch is checked (store/producer-state.ts: duplicates, epochs, sequences,
// transaction membership), and only then are offsets reserved, records copied in and the producer state saved.
// A duplicate is answered with its original offsets and writes nothing; a refused partition writes nothing; the
// other partitions of the request are appended.
import type { Sql, TransactionSql } from 'postgres';
import { copyIn, CopyBinaryWriter } from './copy-binary.ts';
import { UnknownPartitionError } from './errors.ts';
import { COPY_RECORDS_IN, writeBatchRows } from './log.ts';
import {
  appendDataBatch,
  cloneEntry,
  emptyEntry,
  findDuplicate,
  ProducerCheckError,
  type ProducerBatch,
  type ProducerEntry,
} from './producer-state.ts';
import { loadProducerEntries, saveProducerEntries, type ProducerKey, type StoredProducerEntry } from './producers.ts';
import type { AppendBatch, PartitionAppend, PartitionAppendResult, Topic } from './types.ts';

const TRANSACTIONAL = 0x10;

/** What the append needs to know of the producer's transaction. */
interface TxnForAppend {
  producerId: number;
  producerEpoch: number;
  state: string;
  /** "topicId:partition" of the partitions added to the ongoing transaction. */
  partitions: Set<string>;
}

async function readTransaction(tx: TransactionSql, transactionalId: string): Promise<TxnForAppend | null> {
  const [row] = await tx<{ producerId: number; producerEpoch: number; state: string; partitions: string[] }[]>`
    select x.producer_id as "producerId", x.producer_epoch as "producerEpoch", x.state,
      coalesce((select array_agg(p.topic_id::text || ':' || p.partition::text) from kafka.transaction_partitions p
                 where p.transactional_id = x.transactional_id), '{}') as partitions
    from kafka.transactions x where x.transactional_id = ${transactionalId}
    for share of x`;
  if (!row) return null;
  return { producerId: Number(row.producerId), producerEpoch: row.producerEpoch, state: row.state, partitions: new Set(row.partitions) };
}

interface LockedPartition {
  topicId: number;
  partition: number;
  nextOffset: number;
  logStartOffset: number;
}

async function lockPartitions(tx: TransactionSql, keys: { topicId: number; partition: number }[]): Promise<Map<string, LockedPartition>> {
  const rows = await tx<LockedPartition[]>`
    select p.topic_id as "topicId", p.partition, p.next_offset as "nextOffset", p.log_start_offset as "logStartOffset"
    from kafka.partitions p
    join unnest(${keys.map((k) => k.topicId)}::int[], ${keys.map((k) => k.partition)}::int[]) as v(topic_id, partition)
      using (topic_id, partition)
    order by p.topic_id, p.partition
    for update of p`;
  return new Map(rows.map((r) => [`${r.topicId}:${r.partition}`, r]));
}

async function advancePartitions(tx: TransactionSql, next: { topicId: number; partition: number; nextOffset: number }[]): Promise<void> {
  if (next.length === 0) return;
  await tx`
    update kafka.partitions p set next_offset = v.next_offset
    from unnest(${next.map((n) => n.topicId)}::int[], ${next.map((n) => n.partition)}::int[], ${next.map((n) => n.nextOffset)}::int8[])
      as v(topic_id, partition, next_offset)
    where p.topic_id = v.topic_id and p.partition = v.partition`;
}

function producerBatch(b: AppendBatch): ProducerBatch {
  let maxTimestamp = b.baseTimestamp;
  for (const r of b.records) if (b.baseTimestamp + r.timestampDelta > maxTimestamp) maxTimestamp = b.baseTimestamp + r.timestampDelta;
  return {
    producerId: b.producerId,
    producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence,
    recordCount: b.records.length,
    transactional: (b.attributes & TRANSACTIONAL) !== 0,
    maxTimestamp,
  };
}

/**
 * Kafka's transaction verification (KIP-890): a transactional batch must belong to the ongoing transaction of the
 * request's transactional id. Without a transactional id nothing is verified here (Produce refuses transactional
 * records without one before they reach the store).
 */
function verifyTransactional(txn: TxnForAppend | null, transactionalId: string, b: AppendBatch, key: string, where: string): void {
  if (txn === null || txn.producerId !== b.producerId) {
    throw new ProducerCheckError('INVALID_PRODUCER_ID_MAPPING', `producer ${b.producerId} does not belong to transactional id ${transactionalId}`);
  }
  if (txn.producerEpoch !== b.producerEpoch) {
    throw new ProducerCheckError('INVALID_PRODUCER_EPOCH', `epoch ${b.producerEpoch} of producer ${b.producerId} is not the current epoch ${txn.producerEpoch} of transactional id ${transactionalId}`);
  }
  if (txn.state !== 'Ongoing' || !txn.partitions.has(key)) {
    throw new ProducerCheckError('INVALID_TXN_STATE', `${where} is not part of an ongoing transaction of transactional id ${transactionalId}`);
  }
}

/** What one input part came to. */
type PartOutcome =
  | { kind: 'appended'; baseOffset: number; batchBaseOffsets: number[] }
  | { kind: 'duplicate'; baseOffset: number; batchBaseOffsets: number[] }
  | { kind: 'rejected'; error: ProducerCheckError };

/**
 * Appends batches some of which carry producer ids, checking them against the stored producer state in the same
 * transaction. Throws UnknownPartitionError (nothing appended) when a partition does not exist.
 */
export async function appendWithProducerState(
  sql: Sql,
  parts: PartitionAppend[],
  transactionalId: string | null,
  now: number = Date.now(),
): Promise<PartitionAppendResult[]> {
  const partitionKeys = new Map<string, { topic: Topic; partition: number }>();
  const producerKeys = new Map<string, ProducerKey>();
  for (const part of parts) {
    partitionKeys.set(`${part.topic.id}:${part.partition}`, { topic: part.topic, partition: part.partition });
    for (const b of part.batches) {
      if (b.producerId < 0) continue;
      const k = `${part.topic.id}:${part.partition}:${b.producerId}`;
      if (!producerKeys.has(k)) producerKeys.set(k, { topicId: part.topic.id, partition: part.partition, producerId: b.producerId });
    }
  }
  const sorted = [...partitionKeys.values()].sort((a, b) => a.topic.id - b.topic.id || a.partition - b.partition);
  const needsTxn = transactionalId !== null && parts.some((p) => p.batches.some((b) => (b.attributes & TRANSACTIONAL) !== 0));

  const { outcomes, locked, next } = await sql.begin(async (tx) => {
    // The transaction before the partitions: EndTxn locks in the same order.
    const txn = needsTxn ? await readTransaction(tx, transactionalId) : null;
    const [locked, stored] = await Promise.all([
      lockPartitions(tx, sorted.map((k) => ({ topicId: k.topic.id, partition: k.partition }))),
      loadProducerEntries(tx, [...producerKeys.values()]),
    ]);
    if (locked.size < sorted.length) throw new UnknownPartitionError(sorted.filter((k) => !locked.has(`${k.topic.id}:${k.partition}`)));

    const entries = new Map<string, ProducerEntry>(stored.map((e) => [`${e.topicId}:${e.partition}:${e.producerId}`, e]));
    const changed = new Set<string>();
    const next = new Map<string, number>([...locked].map(([k, l]) => [k, l.nextOffset]));
    const writer = new CopyBinaryWriter();
    let total = 0;
    const outcomes: PartOutcome[] = [];

    for (const part of parts) {
      const key = `${part.topic.id}:${part.partition}`;
      const where = `${part.topic.name}-${part.partition}`;
      try {
        const batches = part.batches.map((b) => (b.producerId >= 0 ? producerBatch(b) : null));
        part.batches.forEach((b, i) => {
          if (transactionalId !== null && batches[i]?.transactional) verifyTransactional(txn, transactionalId, b, key, where);
        });
        // A batch sent again (a retry whose answer was lost): answer with where it went, write nothing.
        let duplicateOf: number | null = null;
        for (const pb of batches) {
          if (!pb) continue;
          const dup = findDuplicate(entries.get(`${key}:${pb.producerId}`), pb);
          if (dup) {
            duplicateOf = dup.firstOffset;
            break;
          }
        }
        if (duplicateOf !== null) {
          const batchBaseOffsets: number[] = [];
          let at = duplicateOf;
          for (const b of part.batches) {
            batchBaseOffsets.push(at);
            at += b.records.length;
          }
          outcomes.push({ kind: 'duplicate', baseOffset: duplicateOf, batchBaseOffsets });
          continue;
        }
        const staged = new Map<string, ProducerEntry>();
        let offset = next.get(key)!;
        const batchBaseOffsets: number[] = [];
        part.batches.forEach((b, i) => {
          batchBaseOffsets.push(offset);
          const pb = batches[i];
          if (pb) {
            const ek = `${key}:${pb.producerId}`;
            const current = entries.get(ek);
            const updated = staged.get(ek) ?? (current ? cloneEntry(current) : emptyEntry(pb.producerId));
            appendDataBatch(current, updated, pb, offset, where);
            staged.set(ek, updated);
          }
          offset += b.records.length;
        });
        const from = next.get(key)!;
        writeBatchRows(writer, part, part.batches, from);
        total += offset - from;
        next.set(key, offset);
        for (const [ek, e] of staged) {
          entries.set(ek, e);
          changed.add(ek);
        }
        outcomes.push({ kind: 'appended', baseOffset: from, batchBaseOffsets });
      } catch (err) {
        if (!(err instanceof ProducerCheckError)) throw err;
        outcomes.push({ kind: 'rejected', error: err });
      }
    }

    const grown = [...locked.values()]
      .filter((l) => next.get(`${l.topicId}:${l.partition}`)! > l.nextOffset)
      .map((l) => ({ topicId: l.topicId, partition: l.partition, nextOffset: next.get(`${l.topicId}:${l.partition}`)! }));
    const toSave: StoredProducerEntry[] = [...changed].map((ek) => {
      const [topicId, partition] = ek.split(':').map(Number);
      return { ...(entries.get(ek) as ProducerEntry), topicId, partition };
    });
    await Promise.all([advancePartitions(tx, grown), saveProducerEntries(tx, toSave, now)]);
    if (total > 0) await copyIn(tx, COPY_RECORDS_IN, writer.finish());
    return { outcomes, locked, next };
  });

  return parts.map((part, i) => {
    const key = `${part.topic.id}:${part.partition}`;
    const l = locked.get(key)!;
    const base = { logStartOffset: l.logStartOffset, highWatermark: next.get(key)! };
    const o = outcomes[i];
    if (o.kind === 'rejected') return { ...base, baseOffset: -1, batchBaseOffsets: [], rejected: { reason: o.error.reason, message: o.error.message } };
    if (o.kind === 'duplicate') return { ...base, baseOffset: o.baseOffset, batchBaseOffsets: o.batchBaseOffsets, duplicate: true };
    return { ...base, baseOffset: o.baseOffset, batchBaseOffsets: o.batchBaseOffsets };
  });
}
