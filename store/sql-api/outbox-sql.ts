// The SQL of kafka.send / kafka.send_batch (migration 120): the outbox the functions insert into, the commit
// tickets that order it, and the partitioner. The broker's mover (runtime/sql-outbox/) appends the outbox to the
// log. Design, in short:
// - kafka.send only INSERTs a row into kafka.outbox, so it holds no lock that a Kafka producer or another SQL sender
//   could wait on; offsets are assigned later, by the mover, in one transaction with the row's delete.
// - Commit order: a deferred constraint trigger runs once per sending transaction at COMMIT and takes a ticket
//   from a sequence while holding a SHARED advisory lock until the commit ends. The mover takes the same lock
//   EXCLUSIVELY for an instant (kafka.outbox_barrier) and reads the last ticket L: every transaction with a ticket
//   <= L has then ended, so the committed rows up to L are all visible and are appended in ticket order. A
//   transaction whose COMMIT returned before another one's COMMIT began has the lower ticket.
// - Wake-up: the trigger sends a NOTIFY (delivered at commit, never on rollback) only while the mover says it is
//   asleep (kafka.outbox_mover), so a busy stream of sends does not serialise on PostgreSQL's notify lock.

/** Session-level advisory lock of the one broker that moves the outbox ("kafkamov"). */
export const OUTBOX_MOVER_LOCK = 0x6b61666b616d6f76n;
/** Transaction-level advisory lock of one move transaction ("kafkamv1"). */
export const OUTBOX_MOVE_LOCK = 0x6b61666b616d7631n;
/** Advisory lock of the commit tickets: shared by committing senders, exclusive for the mover's barrier ("kafkaobx"). */
export const OUTBOX_COMMIT_LOCK = 0x6b61666b616f6278n;
/** NOTIFY channel that wakes the mover. */
export const OUTBOX_CHANNEL = 'kafka_outbox';

type Overload = { value: string; key: string; keyDefault: boolean };

/** Every (value, key) type pair; the "natural" key type of each value type gets a default (no ambiguity). */
const SEND_OVERLOADS: Overload[] = [];
for (const value of ['bytea', 'text', 'jsonb']) {
  for (const key of ['bytea', 'text', 'jsonb']) {
    const natural = value === 'bytea' ? 'bytea' : 'text';
    SEND_OVERLOADS.push({ value, key, keyDefault: key === natural });
  }
}

/** SQL expression turning a bytea, text or jsonb expression into bytea (jsonb as its text form, UTF-8). */
function asBytes(type: string, expr: string): string {
  if (type === 'bytea') return expr;
  if (type === 'text') return `convert_to(${expr}, 'UTF8')`;
  return `convert_to(${expr}::text, 'UTF8')`;
}

function sendOverload(o: Overload): string {
  const key = `key ${o.key}${o.keyDefault ? ' default null' : ''}`;
  return `
create function kafka.send(topic text, value ${o.value}, ${key}, headers jsonb default null, "partition" int default null)
returns int language sql volatile as $f$
  select (kafka.send_rows(topic, array[${asBytes(o.value, 'value')}], array[${asBytes(o.key, 'key')}], array[headers], array["partition"]))[1]
$f$;
comment on function kafka.send(text, ${o.value}, ${o.key}, jsonb, int) is 'Sends one record to a Kafka topic when the calling transaction commits; returns its partition';`;
}

function sendBatchOverload(value: string): string {
  const key = value === 'bytea' ? 'bytea' : 'text';
  const conv = (type: string, arr: string) =>
    type === 'bytea' ? arr : `(select array_agg(${asBytes(type, 'x')} order by i) from unnest(${arr}) with ordinality as u(x, i))`;
  return `
create function kafka.send_batch(topic text, "values" ${value}[], keys ${key}[] default null, headers jsonb[] default null, partitions int[] default null)
returns int[] language sql volatile as $f$
  select kafka.send_rows(topic, ${conv(value, '"values"')}, ${conv(key, 'keys')}, headers, partitions)
$f$;
comment on function kafka.send_batch(text, ${value}[], ${key}[], jsonb[], int[]) is 'Sends records (element i of each array is record i) when the calling transaction commits; returns their partitions';`;
}

export const OUTBOX_SQL = `
-- What the broker lets SQL senders know of its settings (written by the broker that moves the outbox).
create table kafka.sql_settings (
  id boolean primary key default true check (id),
  auto_create_topics boolean not null,
  default_partitions int not null,
  message_max_bytes int not null,
  node_id int not null,
  updated_at timestamptz not null default now()
);
comment on table kafka.sql_settings is 'auto.create.topics.enable, num.partitions and message.max.bytes of the broker moving the outbox, for kafka.send';

create table kafka.outbox (
  id bigserial primary key,
  xid xid8 not null default pg_current_xact_id(),
  topic text not null,
  "partition" int not null,
  timestamp bigint not null,
  key bytea,
  value bytea,
  header_keys text[],
  header_values bytea[]
);
create index outbox_xid on kafka.outbox (xid);
comment on table kafka.outbox is 'Records sent with kafka.send, waiting for the broker to append them to the log (moments, normally)';

-- One row per committed sending transaction: its place in commit order.
create table kafka.outbox_commits (
  xid xid8 primary key,
  ticket bigint not null
);
create index outbox_commits_ticket on kafka.outbox_commits (ticket);
create sequence kafka.outbox_ticket;

create table kafka.outbox_mover (
  id boolean primary key default true check (id),
  sleeping boolean not null default true
);
insert into kafka.outbox_mover default values;

-- Kafka's Utils.murmur2 (seed 0x9747b28c) as a signed int32; 32-bit products fit a bigint.
create function kafka.murmur2(data bytea) returns int language plpgsql immutable strict parallel safe as $f$
declare
  m constant bigint := 1540483477;
  mask constant bigint := 4294967295;
  len int := octet_length(data);
  len4 int := len & ~3;
  rest int := len & 3;
  h bigint := 2538058380 # len;
  k bigint;
  i int := 0;
begin
  while i < len4 loop
    k := get_byte(data, i)::bigint | (get_byte(data, i + 1)::bigint << 8)
       | (get_byte(data, i + 2)::bigint << 16) | (get_byte(data, i + 3)::bigint << 24);
    k := (k * m) & mask;
    k := k # (k >> 24);
    k := (k * m) & mask;
    h := ((h * m) & mask) # k;
    i := i + 4;
  end loop;
  if rest = 3 then h := h # (get_byte(data, len4 + 2)::bigint << 16); end if;
  if rest >= 2 then h := h # (get_byte(data, len4 + 1)::bigint << 8); end if;
  if rest >= 1 then
    h := h # get_byte(data, len4);
    h := (h * m) & mask;
  end if;
  h := h # (h >> 13);
  h := (h * m) & mask;
  h := h # (h >> 15);
  return (case when h >= 2147483648 then h - 4294967296 else h end)::int;
end
$f$;

-- Kafka's default partitioner for a keyed record: toPositive(murmur2(key)) % partitions.
create function kafka.partition_for(key bytea, partitions int) returns int language sql immutable strict parallel safe as $f$
  select (kafka.murmur2(key) & 2147483647) % partitions
$f$;

-- Headers from jsonb: an object {"k": "v"} (values as text; jsonb keeps one value per key, in its own key order)
-- or an array of [key, value] pairs (in order, keys may repeat). A JSON null value is a null header value; other
-- non-string values are sent as their JSON text.
create function kafka.header_arrays(headers jsonb, out keys text[], out "values" bytea[])
language plpgsql immutable as $f$
declare
  e record;
begin
  if headers is null or jsonb_typeof(headers) = 'null' then
    return;
  elsif jsonb_typeof(headers) = 'object' then
    select array_agg(h.key order by h.i), array_agg(kafka.header_value(h.value) order by h.i) into keys, "values"
    from jsonb_each(headers) with ordinality as h(key, value, i);
  elsif jsonb_typeof(headers) = 'array' then
    for e in select a.value from jsonb_array_elements(headers) as a(value) loop
      if jsonb_typeof(e.value) <> 'array' or jsonb_array_length(e.value) <> 2 or jsonb_typeof(e.value -> 0) <> 'string' then
        raise exception 'kafka.send: a header must be a [key, value] pair with a string key, not %', e.value
          using errcode = '22023';
      end if;
      keys := keys || (e.value ->> 0);
      "values" := "values" || kafka.header_value(e.value -> 1);
    end loop;
  else
    raise exception 'kafka.send: headers must be a JSON object or an array of [key, value] pairs, not %', headers
      using errcode = '22023';
  end if;
end
$f$;

create function kafka.header_value(v jsonb) returns bytea language sql immutable as $f$
  select case jsonb_typeof(v) when 'null' then null when 'string' then convert_to(v #>> '{}', 'UTF8')
              else convert_to(v::text, 'UTF8') end
$f$;

-- Every send goes through here: validates, picks partitions, inserts into the outbox. Returns the partitions.
create function kafka.send_rows(p_topic text, p_values bytea[], p_keys bytea[], p_headers jsonb[], p_partitions int[])
returns int[] language plpgsql volatile as $f$
declare
  n int := coalesce(cardinality(p_values), 0);
  v_partitions int;
  v_configs jsonb;
  v_settings kafka.sql_settings;
  v_max bigint;
  v_now bigint := (extract(epoch from clock_timestamp()) * 1000)::bigint;
  v_result int[] := '{}';
  h record;
  k bytea;
  v bytea;
  p int;
  size bigint;
begin
  if p_topic is null then
    raise exception 'kafka.send: topic is null' using errcode = '22004';
  end if;
  if (p_keys is not null and cardinality(p_keys) <> n) or (p_headers is not null and cardinality(p_headers) <> n)
     or (p_partitions is not null and cardinality(p_partitions) <> n) then
    raise exception 'kafka.send_batch: keys, headers and partitions must have as many elements as values (%)', n
      using errcode = '2202E';
  end if;
  select t.partitions, t.configs into v_partitions, v_configs from kafka.topics t where t.name = p_topic;
  if not found then
    select * into v_settings from kafka.sql_settings;
    if not coalesce(v_settings.auto_create_topics, false) then
      raise exception 'kafka.send: unknown topic "%"', p_topic using errcode = '42704',
        hint = 'Create the topic first (topic auto-creation is off, or no broker has run on this database yet).';
    end if;
    if p_topic !~ '^[a-zA-Z0-9._-]{1,249}$' or p_topic in ('.', '..') then
      raise exception 'kafka.send: invalid topic name "%"', p_topic using errcode = '42602';
    end if;
    if exists (select 1 from kafka.topics t where replace(t.name, '.', '_') = replace(p_topic, '.', '_')) then
      raise exception 'kafka.send: topic "%" collides with an existing topic once ''.'' and ''_'' are equated', p_topic
        using errcode = '42602';
    end if;
    v_partitions := v_settings.default_partitions;
    v_configs := '{}';
  end if;
  v_max := coalesce((v_configs ->> 'max.message.bytes')::bigint, (select s.message_max_bytes from kafka.sql_settings s), 1048588);
  for i in 1 .. n loop
    v := p_values[i];
    k := p_keys[i];
    p := p_partitions[i];
    h := kafka.header_arrays(p_headers[i]);
    size := coalesce(octet_length(k), 0) + coalesce(octet_length(v), 0)
      + coalesce((select sum(octet_length(x)) from unnest(h.keys) x), 0)
      + coalesce((select sum(octet_length(x)) from unnest(h."values") x), 0);
    if size > v_max then
      raise exception 'kafka.send: a record of % bytes is larger than max.message.bytes (%) of topic "%"', size, v_max, p_topic
        using errcode = '54000';
    end if;
    if p is null then
      p := case when k is null then floor(random() * v_partitions)::int else kafka.partition_for(k, v_partitions) end;
    elsif p < 0 or p >= v_partitions then
      raise exception 'kafka.send: topic "%" has no partition % (it has %)', p_topic, p, v_partitions using errcode = '22023';
    end if;
    insert into kafka.outbox (topic, "partition", timestamp, key, value, header_keys, header_values)
    values (p_topic, p, v_now, k, v, h.keys, h."values");
    v_result := v_result || p;
  end loop;
  return v_result;
end
$f$;

-- At COMMIT (deferred), once per sending transaction: a ticket in commit order, taken under the shared lock the
-- mover's barrier waits for; a NOTIFY when the mover sleeps.
create function kafka.outbox_seal() returns trigger language plpgsql as $f$
declare
  x text := pg_current_xact_id()::text;
begin
  if current_setting('kafka.outbox_sealed', true) is distinct from x then
    perform pg_advisory_xact_lock_shared(${OUTBOX_COMMIT_LOCK});
    insert into kafka.outbox_commits (xid, ticket) values (pg_current_xact_id(), nextval('kafka.outbox_ticket'));
    if (select m.sleeping from kafka.outbox_mover m) then
      perform pg_notify('${OUTBOX_CHANNEL}', '');
    end if;
    perform set_config('kafka.outbox_sealed', x, true);
  end if;
  return null;
end
$f$;

create constraint trigger outbox_seal after insert on kafka.outbox
  deferrable initially deferred for each row execute function kafka.outbox_seal();

-- The mover's barrier: records whether it goes to sleep, waits for every transaction inside its commit to end,
-- and returns the last ticket taken (all transactions with a ticket up to it have ended).
create function kafka.outbox_barrier(p_sleeping boolean) returns bigint language plpgsql as $f$
declare
  v bigint;
begin
  perform set_config('synchronous_commit', 'off', true); -- the flag needs no flush of its own
  update kafka.outbox_mover set sleeping = p_sleeping where sleeping is distinct from p_sleeping;
  perform set_config('lock_timeout', '200ms', true);
  perform pg_advisory_xact_lock(${OUTBOX_COMMIT_LOCK});
  select case when s.is_called then s.last_value else 0 end into v from kafka.outbox_ticket s;
  return v;
end
$f$;
${SEND_OVERLOADS.map(sendOverload).join('\n')}
${['bytea', 'text', 'jsonb'].map(sendBatchOverload).join('\n')}
`;
