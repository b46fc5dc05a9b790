// Which stored records a shadowed partition forwards, as a read_committed consumer would see them: control records
// never, records of aborted transactions never (the aborted-transaction list Fetch reports, applied the way clients
// apply it: from an aborted transaction's first offset until its producer's abort marker), and of the rest those the
// percent dial lets through: toPositive(murmur2(key)) % 100 < percent, keyless records by offset % 100.

import { BatchAttributes } from '../../codec/record-batch.ts';
import { partitionForKey } from '../../codec/murmur2.ts';
import type { StoredRecord } from '../../store/types.ts';
import type { AbortedTransactionRow } from '../../store/producers.ts';

/** Whether the percent dial forwards a record (deterministic by key). */
export function dialForwards(key: Uint8Array | null, offset: number, percent: number): boolean {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  return (key === null ? offset % 100 : partitionForKey(key, 100)) < percent;
}

/** The records to forward, in offset order; `aborted` sorted by first offset (abortedTransactionsIn). */
export function recordsToForward(records: readonly StoredRecord[], aborted: readonly AbortedTransactionRow[], percent: number): StoredRecord[] {
  const out: StoredRecord[] = [];
  const abortedProducers = new Set<number>();
  let next = 0;
  for (const r of records) {
    while (next < aborted.length && aborted[next].firstOffset <= r.offset) abortedProducers.add(aborted[next++].producerId);
    if ((r.attributes & BatchAttributes.control) !== 0) {
      abortedProducers.delete(r.producerId); // the marker ends the producer's transaction, whichever way it went
      continue;
    }
    if ((r.attributes & BatchAttributes.transactional) !== 0 && abortedProducers.has(r.producerId)) continue;
    if (dialForwards(r.key, r.offset, percent)) out.push(r);
  }
  return out;
}
