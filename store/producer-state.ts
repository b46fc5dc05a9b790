// Per-partition producer state and Kafka's checks on it (ProducerStateManager / ProducerAppendInfo), without I/O:
// the epoch of each producer id, the last five batches' sequence and offset ranges (a batch sent again is found
// here and answered with its original offsets), sequence continuity (a gap is OUT_OF_ORDER_SEQUENCE_NUMBER), stale
// epochs (INVALID_PRODUCER_EPOCH) and the first offset of the producer's open transaction. store/log.ts runs these
// checks inside the append's PostgreSQL transaction, under the partition row lock.

export const INT32_MAX = 2147483647;
/** Kafka keeps the metadata of this many batches per producer and partition (ProducerStateEntry.NUM_BATCHES_TO_RETAIN). */
export const BATCHES_TO_RETAIN = 5;

/** One appended batch, as remembered for duplicate detection. */
export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

/** A producer's state in one partition (a kafka.producer_state row). */
export interface ProducerEntry {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** Oldest first, at most BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
  /** First offset of the producer's open transaction in this partition, null when none is open. */
  txnFirstOffset: number | null;
  lastTimestamp: number;
}

/** Why the producer checks refused a partition's batches (Kafka's error names). */
export type ProducerRejection =
  | 'INVALID_PRODUCER_EPOCH'
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'INVALID_TXN_STATE'
  | 'INVALID_PRODUCER_ID_MAPPING';

export class ProducerCheckError extends Error {
  override name = 'ProducerCheckError';
  readonly reason: ProducerRejection;
  constructor(reason: ProducerRejection, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** What a batch with a producer id carries, for the checks. */
export interface ProducerBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  transactional: boolean;
  maxTimestamp: number;
}

export function emptyEntry(producerId: number): ProducerEntry {
  return { producerId, producerEpoch: -1, coordinatorEpoch: -1, batches: [], txnFirstOffset: null, lastTimestamp: -1 };
}

export function cloneEntry(e: ProducerEntry): ProducerEntry {
  return { ...e, batches: e.batches.slice() };
}

/** Kafka's sequence arithmetic: sequences wrap from Int32.MAX to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

export function lastSequenceOf(batch: ProducerBatch): number {
  return incrementSequence(batch.baseSequence, batch.recordCount - 1);
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/** The remembered batch this one repeats (same epoch and sequence range), if any: ProducerStateEntry.findDuplicateBatch. */
export function findDuplicate(entry: ProducerEntry | undefined, batch: ProducerBatch): BatchMetadata | null {
  if (!entry || batch.producerEpoch !== entry.producerEpoch) return null;
  const lastSeq = lastSequenceOf(batch);
  for (const b of entry.batches) if (b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq) return b;
  return null;
}

/**
 * Checks a data batch against the producer's state (`current`: as committed; `updated`: with the earlier batches of
 * the same append applied) and applies it to `updated`. Throws ProducerCheckError. Kafka's
 * ProducerAppendInfo.appendDataBatch: the epoch may not go back; a new epoch starts at sequence 0 (unless no epoch
 * is known); within an epoch the sequence continues from the last batch (any sequence when the producer is unknown).
 */
export function appendDataBatch(
  current: ProducerEntry | undefined,
  updated: ProducerEntry,
  batch: ProducerBatch,
  firstOffset: number,
  where: string,
): void {
  const pid = batch.producerId;
  if (batch.producerEpoch < updated.producerEpoch) {
    throw new ProducerCheckError(
      'INVALID_PRODUCER_EPOCH',
      `epoch of producer ${pid} at offset ${firstOffset} in ${where} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${updated.producerEpoch}`,
    );
  }
  const firstSeq = batch.baseSequence;
  if (batch.producerEpoch !== updated.producerEpoch) {
    if (firstSeq !== 0 && updated.producerEpoch !== -1) {
      throw new ProducerCheckError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `invalid sequence number for new epoch of producer ${pid} at offset ${firstOffset} in ${where}: ${batch.producerEpoch} (request epoch), ${firstSeq} (seq. number), ${updated.producerEpoch} (current producer epoch)`,
      );
    }
  } else {
    const currentEpoch = current?.producerEpoch ?? -1;
    let lastSeq = -1;
    if (updated.batches.length > 0) lastSeq = updated.batches[updated.batches.length - 1].lastSeq;
    else if (current && batch.producerEpoch === current.producerEpoch && current.batches.length > 0) lastSeq = current.batches[current.batches.length - 1].lastSeq;
    if (!(currentEpoch === -1 || inSequence(lastSeq, firstSeq))) {
      throw new ProducerCheckError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `out of order sequence number for producer ${pid} at offset ${firstOffset} in ${where}: ${firstSeq} (incoming seq. number), ${lastSeq} (current end sequence number)`,
      );
    }
  }
  const lastOffset = firstOffset + batch.recordCount - 1;
  if (batch.producerEpoch !== updated.producerEpoch) {
    updated.producerEpoch = batch.producerEpoch;
    updated.batches = [];
  }
  updated.batches.push({ firstSeq, lastSeq: lastSequenceOf(batch), firstOffset, lastOffset, maxTimestamp: batch.maxTimestamp });
  if (updated.batches.length > BATCHES_TO_RETAIN) updated.batches.splice(0, updated.batches.length - BATCHES_TO_RETAIN);
  updated.lastTimestamp = batch.maxTimestamp;
  if (updated.txnFirstOffset !== null && !batch.transactional) {
    throw new ProducerCheckError('INVALID_TXN_STATE', `expected a transactional write from producer ${pid} at offset ${firstOffset} in ${where}`);
  }
  if (updated.txnFirstOffset === null && batch.transactional) updated.txnFirstOffset = firstOffset;
}

/** The outcome of a transaction marker for one partition: ProducerAppendInfo.appendEndTxnMarker. */
export interface MarkerOutcome {
  entry: ProducerEntry;
  /** Set for an abort that ended a transaction with data here: the aborted range [firstOffset, marker offset]. */
  aborted: { firstOffset: number; lastOffset: number } | null;
}

export function appendEndTxnMarker(
  current: ProducerEntry | undefined,
  producerId: number,
  producerEpoch: number,
  coordinatorEpoch: number,
  commit: boolean,
  markerOffset: number,
  timestamp: number,
): MarkerOutcome {
  const entry = current ? cloneEntry(current) : emptyEntry(producerId);
  const aborted = !commit && entry.txnFirstOffset !== null ? { firstOffset: entry.txnFirstOffset, lastOffset: markerOffset } : null;
  if (producerEpoch > entry.producerEpoch) {
    entry.producerEpoch = producerEpoch;
    entry.batches = [];
  }
  entry.coordinatorEpoch = coordinatorEpoch;
  entry.txnFirstOffset = null;
  entry.lastTimestamp = timestamp;
  return { entry, aborted };
}
