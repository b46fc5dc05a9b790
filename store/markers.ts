// Transaction markers: a COMMIT or ABORT control record appended to each partition of a transaction, inside the
// caller's PostgreSQL transaction (the coordinator's state change), with the producer's per-partition state ended
// (no open transaction, epoch raised to the marker's) and, for aborts with data, an entry in the aborted index.
import type { TransactionSql } from 'postgres';
import { encodeControlBatch, readBatches, BatchAttributes } from '../codec/record-batch.ts';
import { copyIn, CopyBinaryWriter } from './copy-binary.ts';
import { COPY_RECORDS_IN } from './log.ts';
import { reserveOffsets } from './offset-reservation.ts';
import { appendEndTxnMarker } from './producer-state.ts';
import { insertAbortedTransactions, loadProducerEntriesFor, saveProducerEntries, type StoredProducerEntry } from './producers.ts';

export interface MarkerRequest {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  partitions: { topicId: number; partition: number }[];
  now: number;
}

/** A partition that got a marker: where it went and the new high watermark, for append notifications. */
export interface WrittenMarker {
  topicId: number;
  partition: number;
  offset: number;
  highWatermark: number;
}

/** The key and value bytes of a marker record, as the codec encodes them. */
function markerRecord(commit: boolean, coordinatorEpoch: number): { key: Uint8Array; value: Uint8Array } {
  const [batch] = readBatches(encodeControlBatch({ baseOffset: 0, producerId: 0, producerEpoch: 0, timestamp: 0, commit, coordinatorEpoch }));
  const r = batch.records[0];
  return { key: r.key as Uint8Array, value: r.value as Uint8Array };
}

/** Writes the markers; partitions that no longer exist (topic deleted) are skipped. */
export async function writeMarkers(tx: TransactionSql, m: MarkerRequest): Promise<WrittenMarker[]> {
  if (m.partitions.length === 0) return [];
  const keys = [...m.partitions].sort((a, b) => a.topicId - b.topicId || a.partition - b.partition);
  const assigned = await reserveOffsets(tx, keys.map((k) => ({ ...k, count: 1 })));
  const present = keys.filter((k) => assigned.has(`${k.topicId}:${k.partition}`));
  const entries = new Map((await loadProducerEntriesFor(tx, m.producerId, present)).map((e) => [`${e.topicId}:${e.partition}`, e]));
  const { key, value } = markerRecord(m.commit, m.coordinatorEpoch);
  const writer = new CopyBinaryWriter();
  const save: StoredProducerEntry[] = [];
  const aborted: { topicId: number; partition: number; producerId: number; firstOffset: number; lastOffset: number }[] = [];
  const written: WrittenMarker[] = [];
  for (const k of present) {
    const a = assigned.get(`${k.topicId}:${k.partition}`)!;
    const offset = a.baseOffset;
    writer.row({
      topicId: k.topicId,
      partition: k.partition,
      offset,
      timestamp: m.now,
      key,
      value,
      headerKeys: null,
      headerValues: null,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      sequence: -1,
      attributes: BatchAttributes.transactional | BatchAttributes.control,
      offsetDelta: 0, // a marker is a batch of its own
      lastOffsetDelta: 0,
    });
    const outcome = appendEndTxnMarker(entries.get(`${k.topicId}:${k.partition}`), m.producerId, m.producerEpoch, m.coordinatorEpoch, m.commit, offset, m.now);
    save.push({ ...outcome.entry, topicId: k.topicId, partition: k.partition });
    if (outcome.aborted) aborted.push({ topicId: k.topicId, partition: k.partition, producerId: m.producerId, ...outcome.aborted });
    written.push({ topicId: k.topicId, partition: k.partition, offset, highWatermark: a.nextOffset });
  }
  await Promise.all([saveProducerEntries(tx, save, m.now), insertAbortedTransactions(tx, aborted)]);
  if (written.length > 0) await copyIn(tx, COPY_RECORDS_IN, writer.finish());
  return written;
}
