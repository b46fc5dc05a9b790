// Producer state checks without I/O (store/producer-state.ts): sequences continue across Int32.MAX, duplicates are
// found among the last five batches only, epochs may not go back and a new epoch starts at 0, an unknown producer
// may start anywhere, transactional batches open a transaction, and markers close it (recording aborted ranges).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendDataBatch,
  appendEndTxnMarker,
  cloneEntry,
  emptyEntry,
  findDuplicate,
  incrementSequence,
  ProducerCheckError,
  type ProducerBatch,
  type ProducerEntry,
} from '../../store/producer-state.ts';

const batch = (baseSequence: number, recordCount: number, o: Partial<ProducerBatch> = {}): ProducerBatch => ({
  producerId: 1, producerEpoch: 0, baseSequence, recordCount, transactional: false, maxTimestamp: 100, ...o,
});

/** Applies batches one after the other (each as its own append), returning the final entry. */
function run(batches: ProducerBatch[], start: ProducerEntry = emptyEntry(1), offset = 0): ProducerEntry {
  let current: ProducerEntry | undefined = start.producerEpoch === -1 && start.batches.length === 0 ? undefined : start;
  let entry = start;
  for (const b of batches) {
    entry = cloneEntry(current ?? emptyEntry(1));
    appendDataBatch(current, entry, b, offset, 't-0');
    offset += b.recordCount;
    current = entry;
  }
  return entry;
}

function rejects(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ProducerCheckError && err.reason === reason);
}

test('sequences wrap from Int32.MAX to 0', () => {
  assert.equal(incrementSequence(2147483646, 1), 2147483647);
  assert.equal(incrementSequence(2147483647, 1), 0);
  assert.equal(incrementSequence(2147483640, 10), 2);
  const e = run([batch(2147483645, 3), batch(0, 2)]);
  assert.deepEqual(e.batches.map((b) => [b.firstSeq, b.lastSeq]), [[2147483645, 2147483647], [0, 1]]);
});

test('an unknown producer may start at any sequence; a known one must continue', () => {
  const e = run([batch(40, 2)]);
  assert.equal(e.batches[0].firstSeq, 40);
  rejects(() => run([batch(43, 1)], e, 2), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  rejects(() => run([batch(41, 1)], e, 2), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  assert.equal(run([batch(42, 1)], e, 2).batches.length, 2);
});

test('duplicates are found among the last five batches, with their offsets', () => {
  const e = run([batch(0, 2), batch(2, 2), batch(4, 2), batch(6, 2), batch(8, 2), batch(10, 2)]);
  assert.equal(e.batches.length, 5);
  assert.equal(findDuplicate(e, batch(0, 2)), null, 'the sixth batch back is forgotten');
  assert.deepEqual(findDuplicate(e, batch(2, 2)), { firstSeq: 2, lastSeq: 3, firstOffset: 2, lastOffset: 3, maxTimestamp: 100 });
  assert.equal(findDuplicate(e, batch(2, 1)), null, 'the whole sequence range must match');
  assert.equal(findDuplicate(e, batch(2, 2, { producerEpoch: 1 })), null, 'and the epoch');
});

test('epochs: no going back; a new epoch starts at sequence 0 and forgets the old batches', () => {
  const e = run([batch(0, 3, { producerEpoch: 2 })]);
  rejects(() => run([batch(3, 1, { producerEpoch: 1 })], e, 3), 'INVALID_PRODUCER_EPOCH');
  rejects(() => run([batch(3, 1, { producerEpoch: 3 })], e, 3), 'OUT_OF_ORDER_SEQUENCE_NUMBER');
  const bumped = run([batch(0, 1, { producerEpoch: 3 })], e, 3);
  assert.deepEqual([bumped.producerEpoch, bumped.batches.length], [3, 1]);
});

test('transactions: the first transactional batch opens one; non-transactional data then is refused; markers close it', () => {
  const open = run([batch(0, 2, { transactional: true }), batch(2, 2, { transactional: true })]);
  assert.equal(open.txnFirstOffset, 0);
  rejects(() => run([batch(4, 1)], open, 4), 'INVALID_TXN_STATE');
  const aborted = appendEndTxnMarker(open, 1, 1, 0, false, 4, 200);
  assert.deepEqual(aborted.aborted, { firstOffset: 0, lastOffset: 4 });
  assert.deepEqual([aborted.entry.txnFirstOffset, aborted.entry.producerEpoch, aborted.entry.batches.length, aborted.entry.coordinatorEpoch], [null, 1, 0, 0]);
  const committed = appendEndTxnMarker(open, 1, 0, 0, true, 4, 200);
  assert.deepEqual([committed.aborted, committed.entry.txnFirstOffset, committed.entry.batches.length], [null, null, 2]);
  assert.equal(appendEndTxnMarker(undefined, 1, 0, 0, false, 9, 200).aborted, null, 'a marker without data aborts nothing');
  assert.equal(open.txnFirstOffset, 0, 'the input entry is left alone');
});
