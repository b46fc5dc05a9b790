// Migration 110: every kafka.records row keeps where its batch begins and ends, so Fetch can hand back the batches
// the producer wrote (KIP-74: a batch is never split) instead of regrouping rows. Two nullable columns, added
// without a rewrite; rows written before this migration have NULL in both and are regrouped as before
// (runtime/batch-builder.ts). Every path that writes kafka.records rows must fill both (store/copy-binary.ts).
import type { Migration } from './migrations.ts';

const BATCH_BOUNDARIES_SQL = `
alter table kafka.records add column offset_delta int, add column last_offset_delta int;

comment on column kafka.records.offset_delta is 'the record''s offset delta in the batch it was written in: its offset minus the batch''s base offset (0 for the first record; NULL for rows written before migration 110)';
comment on column kafka.records.last_offset_delta is 'the last offset delta of the batch the record was written in (its record count minus one; the same on every row of the batch; NULL for rows written before migration 110). The batch spans offsets [offset - offset_delta, offset - offset_delta + last_offset_delta], even after compaction or retention removed some of its rows';
`;

export const batchBoundariesMigration: Migration = {
  version: 110,
  name: 'kafka.records: batch boundaries (offset_delta, last_offset_delta)',
  up: (sql) => sql.unsafe(BATCH_BOUNDARIES_SQL),
};
