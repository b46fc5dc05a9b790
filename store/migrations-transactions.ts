// Schema for exactly-once: producer ids (a sequence), per-partition producer state (epoch, the last five batches'
// sequences and offsets, the first offset of an open transaction), the index of aborted transactions per partition,
// and the transaction coordinator's state (transactional ids, their partitions, groups and pending offset commits).
// Registered in migrations.ts.
import type { Migration } from './migrations.ts';

const TRANSACTIONS_SQL = `
create sequence kafka.producer_ids as bigint minvalue 0 start with 0;

-- Kafka's ProducerStateManager, one row per (partition, producer id). batches: the last five batches appended, oldest
-- first, each [first sequence, last sequence, first offset, last offset, max timestamp], for duplicate detection.
create table kafka.producer_state (
  topic_id int not null references kafka.topics (id) on delete cascade,
  partition int not null,
  producer_id bigint not null,
  producer_epoch smallint not null,
  coordinator_epoch int not null default -1,
  batches jsonb not null default '[]',
  txn_first_offset bigint,
  last_timestamp bigint not null default -1,
  updated_ms bigint not null,
  primary key (topic_id, partition, producer_id)
);
create index producer_state_open_txn on kafka.producer_state (topic_id, partition, txn_first_offset)
  where txn_first_offset is not null;

comment on column kafka.producer_state.txn_first_offset is 'offset of the first record of the producer''s open transaction in this partition (the last stable offset is the smallest), null when none is open';
comment on column kafka.producer_state.last_timestamp is 'max timestamp of the last batch (milliseconds since the Unix epoch)';
comment on column kafka.producer_state.updated_ms is 'broker time of the last append or marker (milliseconds since the Unix epoch), for expiry';

-- Kafka's transaction index: every aborted transaction with data in the partition, from its first record to its
-- abort marker. read_committed fetches list those overlapping what they return.
create table kafka.aborted_transactions (
  topic_id int not null references kafka.topics (id) on delete cascade,
  partition int not null,
  producer_id bigint not null,
  first_offset bigint not null,
  last_offset bigint not null,
  primary key (topic_id, partition, last_offset)
);

comment on column kafka.aborted_transactions.last_offset is 'offset of the abort marker';

-- The transaction coordinator's state (Kafka: __transaction_state), one row per transactional id.
create table kafka.transactions (
  transactional_id text primary key,
  producer_id bigint not null,
  producer_epoch smallint not null,
  last_producer_id bigint not null default -1,
  last_producer_epoch smallint not null default -1,
  timeout_ms int not null,
  state text not null,
  start_timestamp bigint not null default -1,
  update_timestamp bigint not null
);
create index transactions_ongoing on kafka.transactions (start_timestamp) where state = 'Ongoing';
create index transactions_producer on kafka.transactions (producer_id);

comment on column kafka.transactions.state is 'Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit or CompleteAbort';
comment on column kafka.transactions.start_timestamp is 'milliseconds since the Unix epoch when the ongoing transaction began (-1: none)';

create table kafka.transaction_partitions (
  transactional_id text not null references kafka.transactions (transactional_id) on delete cascade,
  topic_id int not null references kafka.topics (id) on delete cascade,
  partition int not null,
  primary key (transactional_id, topic_id, partition)
);

-- Groups added with AddOffsetsToTxn (Kafka adds the group's __consumer_offsets partition).
create table kafka.transaction_groups (
  transactional_id text not null references kafka.transactions (transactional_id) on delete cascade,
  group_id text not null,
  primary key (transactional_id, group_id)
);

-- TxnOffsetCommit: offsets that become committed offsets of their group when the transaction commits.
create table kafka.pending_txn_offsets (
  transactional_id text not null references kafka.transactions (transactional_id) on delete cascade,
  group_id text not null,
  topic_id int not null references kafka.topics (id) on delete cascade,
  partition int not null,
  slot int not null,
  producer_id bigint not null,
  committed_offset bigint not null,
  leader_epoch int not null default -1,
  metadata text,
  commit_timestamp bigint not null,
  primary key (transactional_id, group_id, topic_id, partition)
);
create index pending_txn_offsets_group on kafka.pending_txn_offsets (group_id);

create view kafka.transaction_states as
select x.transactional_id, x.producer_id, x.producer_epoch, x.state, x.timeout_ms,
       case when x.start_timestamp >= 0 then to_timestamp(x.start_timestamp / 1000.0) end as started_at,
       to_timestamp(x.update_timestamp / 1000.0) as updated_at,
       (select array_agg(t.name || '-' || p.partition order by t.name, p.partition)
          from kafka.transaction_partitions p join kafka.topics t on t.id = p.topic_id
         where p.transactional_id = x.transactional_id) as partitions
from kafka.transactions x;

comment on view kafka.transaction_states is 'Transactional ids for people: state, producer id and epoch, partitions of the open transaction';
`;

export const transactionsMigration: Migration = {
  version: 50,
  name: 'exactly-once: producer ids and state, aborted transactions, transaction coordinator state',
  up: (sql) => sql.unsafe(TRANSACTIONS_SQL),
};
