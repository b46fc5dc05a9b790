// Small plain appends in ONE statement: the offset reservation (partition rows locked in key order, as
// reserveOffsets does) and the insert of the records are data-modifying CTEs of a single INSERT, run as its own
// implicit transaction. One round trip instead of four (BEGIN, reserve, COPY, COMMIT), which is what a producer
// sending a few records per request waits for; big appends keep the COPY path (store/log.ts). Keys, values and
// header values travel as one bytea with offsets and lengths (-1: null), cut apart by substring() in SQL.

import { Buffer } from 'node:buffer';
import type { Sql, TransactionSql } from 'postgres';
import { lockPartitionRows, type Assigned, type OffsetReservation } from './offset-reservation.ts';
import { incrementSequence } from './producer-state.ts';
import type { PartitionAppend } from './types.ts';

/** Appends up to this many records, and this many bytes of keys, values and headers, take the one-statement path. */
export const SMALL_APPEND_RECORDS = 64;
export const SMALL_APPEND_BYTES = 256 * 1024;

/**
 * Reserves offsets for `keys` and inserts every record of `parts`, in one statement. When a partition has no row
 * nothing at all is reserved or inserted (the update's guard counts the locked rows) and the map lacks that
 * partition, as with reserveOffsets (the others are present, their offsets unset). Records of one key take
 * consecutive offsets in `parts` order.
 */
export async function appendSmall(sql: Sql | TransactionSql, parts: readonly PartitionAppend[], keys: readonly OffsetReservation[]): Promise<Map<string, Assigned>> {
  const topicIds: number[] = [];
  const partitions: number[] = [];
  const deltas: number[] = [];
  const timestamps: number[] = [];
  const keyAt: number[] = [];
  const keyLength: number[] = [];
  const valueAt: number[] = [];
  const valueLength: number[] = [];
  const producerIds: number[] = [];
  const producerEpochs: number[] = [];
  const sequences: number[] = [];
  const attributes: number[] = [];
  const offsetDeltas: number[] = [];
  const lastOffsetDeltas: number[] = [];
  const headerRow: number[] = [];
  const headerKey: string[] = [];
  const headerValueAt: number[] = [];
  const headerValueLength: number[] = [];
  const chunks: Uint8Array[] = [];
  let size = 0;
  const put = (bytes: Uint8Array | null, at: number[], length: number[]) => {
    at.push(size);
    length.push(bytes === null ? -1 : bytes.length);
    if (bytes !== null && bytes.length > 0) {
      chunks.push(bytes);
      size += bytes.length;
    }
  };

  const cursor = new Map<string, number>();
  for (const part of parts) {
    const k = `${part.topic.id}:${part.partition}`;
    let delta = cursor.get(k) ?? 0;
    for (const batch of part.batches) {
      const hasSequence = batch.baseSequence >= 0;
      const records = batch.records;
      for (let i = 0; i < records.length; i++) {
        const record = records[i];
        topicIds.push(part.topic.id);
        partitions.push(part.partition);
        deltas.push(delta++);
        timestamps.push(part.logAppendTime ?? batch.baseTimestamp + record.timestampDelta);
        put(record.key, keyAt, keyLength);
        put(record.value, valueAt, valueLength);
        producerIds.push(batch.producerId);
        producerEpochs.push(batch.producerEpoch);
        sequences.push(hasSequence ? incrementSequence(batch.baseSequence, record.offsetDelta) : -1);
        attributes.push(batch.attributes);
        offsetDeltas.push(i);
        lastOffsetDeltas.push(records.length - 1);
        for (const h of record.headers) {
          headerRow.push(topicIds.length); // the record's ordinality (1-based)
          headerKey.push(h.key);
          put(h.value, headerValueAt, headerValueLength);
        }
      }
    }
    cursor.set(k, delta);
  }
  const blob = Buffer.concat(chunks, size);

  const rows = await sql<Assigned[]>`
    with ${lockPartitionRows(sql, keys)}, upd as (
      update kafka.partitions p set next_offset = p.next_offset + v.n
      from v, locked l
      where p.topic_id = v.topic_id and p.partition = v.partition
        and l.topic_id = p.topic_id and l.partition = p.partition
        and (select count(*) from locked) = ${keys.length}
      returning p.topic_id, p.partition, p.next_offset - v.n as base, p.next_offset, p.log_start_offset
    ), blob as (
      select ${blob}::bytea as b
    ), h as (
      select * from unnest(${headerRow}::int[], ${headerKey}::text[], ${headerValueAt}::int[], ${headerValueLength}::int[])
        with ordinality as h(row_i, k, v_at, v_len, j)
    ), r as (
      select * from unnest(${topicIds}::int[], ${partitions}::int[], ${deltas}::bigint[], ${timestamps}::bigint[],
                           ${keyAt}::int[], ${keyLength}::int[], ${valueAt}::int[], ${valueLength}::int[],
                           ${producerIds}::bigint[], ${producerEpochs}::int[], ${sequences}::int[], ${attributes}::int[],
                           ${offsetDeltas}::int[], ${lastOffsetDeltas}::int[])
        with ordinality as r(topic_id, partition, delta, ts, k_at, k_len, v_at, v_len, pid, epoch, seq, attrs, od, lod, i)
    ), ins as (
      insert into kafka.records (topic_id, partition, "offset", timestamp, key, value, header_keys, header_values,
                                 producer_id, producer_epoch, sequence, attributes, offset_delta, last_offset_delta)
      select r.topic_id, r.partition, u.base + r.delta, r.ts,
        case when r.k_len < 0 then null else substring(blob.b from r.k_at + 1 for r.k_len) end,
        case when r.v_len < 0 then null else substring(blob.b from r.v_at + 1 for r.v_len) end,
        (select array_agg(h.k order by h.j) from h where h.row_i = r.i),
        (select array_agg(case when h.v_len < 0 then null else substring(blob.b from h.v_at + 1 for h.v_len) end order by h.j)
           from h where h.row_i = r.i),
        r.pid, r.epoch::smallint, r.seq, r.attrs::smallint, r.od, r.lod
      from r join upd u on u.topic_id = r.topic_id and u.partition = r.partition cross join blob
    )
    select l.topic_id as "topicId", l.partition, u.base as "baseOffset", u.next_offset as "nextOffset",
           u.log_start_offset as "logStartOffset"
    from locked l left join upd u on u.topic_id = l.topic_id and u.partition = l.partition`;
  return new Map(rows.map((r) => [`${r.topicId}:${r.partition}`, r]));
}

/** True when the append is small enough for appendSmall: few records, few bytes. */
export function isSmallAppend(parts: readonly PartitionAppend[]): boolean {
  let records = 0;
  let bytes = 0;
  for (const part of parts) {
    for (const batch of part.batches) {
      records += batch.records.length;
      if (records > SMALL_APPEND_RECORDS) return false;
      for (const r of batch.records) {
        bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
        for (const h of r.headers) bytes += h.key.length + (h.value?.length ?? 0);
      }
      if (bytes > SMALL_APPEND_BYTES) return false;
    }
  }
  return true;
}
