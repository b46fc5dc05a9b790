// The SQL each console page shows in a <details> block: a query returning the same data from PostgreSQL, for
// people who prefer psql. Display text only: the broker never runs these (its queries live in store/).

export function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export const topicsSql = `select t.name, count(p.*) as partitions,
       sum(p.next_offset - p.log_start_offset) as records
  from kafka.topics t join kafka.partitions p on p.topic_id = t.id
 group by t.name order by t.name;`;

export const topicSql = (topic: string) => `select p.partition, p.log_start_offset, p.next_offset as high_watermark
  from kafka.partitions p join kafka.topics t on t.id = p.topic_id
 where t.name = ${quote(topic)} order by p.partition;

-- newest records, as an application reads them
select * from kafka.messages where topic = ${quote(topic)} order by "timestamp" desc limit 50;`;

export const groupsSql = `select o.group_id, t.name as topic, o.partition, o.committed_offset
  from kafka.group_offsets o join kafka.topics t on t.id = o.topic_id order by 1, 2, 3;`;

export const groupSql = (group: string) => `select t.name as topic, o.partition, o.committed_offset,
       p.next_offset - o.committed_offset as lag
  from kafka.group_offsets o
  join kafka.topics t on t.id = o.topic_id
  join kafka.partitions p on p.topic_id = o.topic_id and p.partition = o.partition
 where o.group_id = ${quote(group)} order by 1, 2;`;

export const brokersSql = `select * from kafka.brokers order by node_id;`;
