// PostgreSQL's binary COPY format for kafka.records rows: the writer behind append (COPY ... FROM STDIN) and the
// reader behind read (COPY (SELECT ...) TO STDOUT). Format: "PGCOPY\n\377\r\n\0", int32 flags, int32 extension
// length, then per tuple an int16 field count and per field an int32 length (-1 = NULL) and the big-endian value;
// arrays are ndim, has-null flag, element OID, (size, lower bound) per dimension, then length-prefixed elements.
// The trailer is an int16 -1.
import { Buffer } from 'node:buffer';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Sql, TransactionSql } from 'postgres';
import type { StoredRecord } from './types.ts';
import { fromPgText, toPgText } from './pg-text.ts';

/** One kafka.records row, as written by COPY: a stored record plus where it belongs. */
export interface RecordRow extends StoredRecord {
  topicId: number;
  partition: number;
}

export const RECORD_COLUMNS =
  'topic_id, partition, "offset", timestamp, key, value, header_keys, header_values, producer_id, producer_epoch, sequence, attributes, offset_delta, last_offset_delta';
const FIELD_COUNT = 14;

const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
const HEADER_LENGTH = SIGNATURE.length + 8;
const OID_TEXT = 25;
const OID_BYTEA = 17;
const TWO_32 = 4294967296;

/** Builds binary COPY data in chunks of about `chunkSize` bytes; large values are passed on without copying. */
export class CopyBinaryWriter {
  readonly chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private readonly chunkSize: number;

  constructor(chunkSize = 256 * 1024) {
    this.chunkSize = chunkSize;
    this.buf = Buffer.allocUnsafe(chunkSize);
    SIGNATURE.copy(this.buf, 0);
    this.buf.writeInt32BE(0, SIGNATURE.length); // flags
    this.buf.writeInt32BE(0, SIGNATURE.length + 4); // header extension length
    this.pos = HEADER_LENGTH;
  }

  row(r: RecordRow): void {
    this.ensure(2 + 8 + 8 + 16 + 16);
    const b = this.buf;
    let p = this.pos;
    p = b.writeInt16BE(FIELD_COUNT, p);
    p = b.writeInt32BE(4, p);
    p = b.writeInt32BE(r.topicId, p);
    p = b.writeInt32BE(4, p);
    p = b.writeInt32BE(r.partition, p);
    p = b.writeInt32BE(8, p);
    p = writeInt64(b, r.offset, p);
    p = b.writeInt32BE(8, p);
    this.pos = writeInt64(b, r.timestamp, p);
    this.bytes(r.key);
    this.bytes(r.value);
    this.textArray(r.headerKeys);
    this.byteaArray(r.headerValues);
    this.ensure(4 + 8 + 4 + 2 + 4 + 4 + 4 + 2 + 4 + 4 + 4 + 4);
    const c = this.buf; // ensure() may have started a new chunk
    p = this.pos;
    p = c.writeInt32BE(8, p);
    p = writeInt64(c, r.producerId, p);
    p = c.writeInt32BE(2, p);
    p = c.writeInt16BE(r.producerEpoch, p);
    p = c.writeInt32BE(4, p);
    p = c.writeInt32BE(r.sequence, p);
    p = c.writeInt32BE(2, p);
    p = c.writeInt16BE(r.attributes, p);
    p = c.writeInt32BE(4, p);
    p = c.writeInt32BE(r.offsetDelta, p);
    p = c.writeInt32BE(4, p);
    this.pos = c.writeInt32BE(r.lastOffsetDelta, p);
  }

  /** Adds the trailer and returns the chunks. */
  finish(): Buffer[] {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(-1, this.pos);
    this.flush();
    return this.chunks;
  }

  private bytes(value: Uint8Array | null): void {
    this.ensure(4);
    if (value === null) {
      this.pos = this.buf.writeInt32BE(-1, this.pos);
      return;
    }
    this.pos = this.buf.writeInt32BE(value.length, this.pos);
    this.raw(value);
  }

  private raw(value: Uint8Array): void {
    if (value.length > this.chunkSize >> 2) {
      this.flush();
      this.chunks.push(Buffer.from(value.buffer, value.byteOffset, value.length));
      return;
    }
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  private arrayHeader(count: number, hasNull: boolean, oid: number): void {
    this.ensure(20);
    let p = this.pos;
    p = this.buf.writeInt32BE(1, p); // dimensions
    p = this.buf.writeInt32BE(hasNull ? 1 : 0, p);
    p = this.buf.writeInt32BE(oid, p);
    p = this.buf.writeInt32BE(count, p);
    this.pos = this.buf.writeInt32BE(1, p); // lower bound
  }

  private textArray(values: string[] | null): void {
    this.ensure(4);
    if (values === null) {
      this.pos = this.buf.writeInt32BE(-1, this.pos);
      return;
    }
    const encoded = values.map((s) => Buffer.from(toPgText(s), 'utf8'));
    this.pos = this.buf.writeInt32BE(arraySize(encoded), this.pos);
    this.arrayHeader(encoded.length, false, OID_TEXT);
    for (const e of encoded) this.bytes(e);
  }

  private byteaArray(values: (Uint8Array | null)[] | null): void {
    this.ensure(4);
    if (values === null) {
      this.pos = this.buf.writeInt32BE(-1, this.pos);
      return;
    }
    this.pos = this.buf.writeInt32BE(arraySize(values), this.pos);
    this.arrayHeader(values.length, values.includes(null), OID_BYTEA);
    for (const v of values) this.bytes(v);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  private flush(): void {
    if (this.pos > 0) this.chunks.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(this.chunkSize);
    this.pos = 0;
  }
}

/** Byte size of a one-dimensional array value: 20 bytes of header, then 4 + length per element. */
function arraySize(values: (Uint8Array | null)[]): number {
  let size = 20;
  for (const v of values) size += 4 + (v === null ? 0 : v.length);
  return size;
}

function writeInt64(b: Buffer, value: number, p: number): number {
  const high = Math.floor(value / TWO_32);
  b.writeInt32BE(high, p);
  b.writeUInt32BE(value - high * TWO_32, p + 4);
  return p + 8;
}

function readInt64(b: Buffer, p: number): number {
  return b.readInt32BE(p) * TWO_32 + b.readUInt32BE(p + 4);
}

/** Runs `COPY <table> (<record columns>) FROM STDIN (FORMAT binary)` with the given rows; returns the row count. */
export async function copyRecordsBinary(sql: Sql | TransactionSql, table: string, rows: Iterable<RecordRow>): Promise<number> {
  const writer = new CopyBinaryWriter();
  let count = 0;
  for (const row of rows) {
    writer.row(row);
    count++;
  }
  await copyIn(sql, `copy ${table} (${RECORD_COLUMNS}) from stdin with (format binary)`, writer.finish());
  return count;
}

/**
 * Streams chunks into a COPY FROM STDIN statement and waits for the server's CommandComplete.
 * postgres.js 3.4 never settles the writable when the server rejects the data after end() (porsager/postgres#1173,
 * the connection would stay "idle in transaction (aborted)"): we also watch the query's own reject, so the error
 * surfaces here and sql.begin rolls back.
 */
export async function copyIn(sql: Sql | TransactionSql, statement: string, chunks: Buffer[]): Promise<void> {
  const query = sql.unsafe(statement);
  const failed = new Promise<never>((_, reject) => {
    const hooked = query as unknown as { reject: (error: unknown) => void };
    const original = hooked.reject;
    hooked.reject = (error: unknown) => {
      reject(error);
      original(error);
    };
  });
  failed.catch(() => {});
  const stream = (await Promise.race([query.writable(), failed])) as Writable;
  const done = finished(stream);
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await Promise.race([new Promise((resolve) => stream.once('drain', resolve)), done, failed]);
  }
  stream.end();
  await Promise.race([done, failed]);
}

/** Parses the binary COPY output of `select <READ_COLUMNS> ...` into stored records (bytea as views into `data`). */
export function parseStoredRecords(data: Buffer): StoredRecord[] {
  const records: StoredRecord[] = [];
  if (data.length < HEADER_LENGTH || !data.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    if (data.length === 0) return records;
    throw new Error('not binary COPY data');
  }
  let p = HEADER_LENGTH + data.readInt32BE(SIGNATURE.length + 4);
  for (;;) {
    const fields = data.readInt16BE(p);
    p += 2;
    if (fields === -1) break;
    if (fields !== READ_FIELD_COUNT) throw new Error(`unexpected field count ${fields} in COPY data`);
    const offset = readInt64(data, p + 4);
    const timestamp = readInt64(data, p + 16);
    p += 24;
    let len = data.readInt32BE(p);
    p += 4;
    const key = len < 0 ? null : data.subarray(p, p + len);
    if (len > 0) p += len;
    len = data.readInt32BE(p);
    p += 4;
    const value = len < 0 ? null : data.subarray(p, p + len);
    if (len > 0) p += len;
    len = data.readInt32BE(p);
    p += 4;
    let headerKeys: string[] | null = null;
    if (len >= 0) {
      headerKeys = readArray(data, p, (from, to) => fromPgText(data.toString('utf8', from, to))) as string[];
      p += len;
    }
    len = data.readInt32BE(p);
    p += 4;
    let headerValues: (Uint8Array | null)[] | null = null;
    if (len >= 0) {
      headerValues = readArray(data, p, (from, to) => data.subarray(from, to));
      p += len;
    }
    const producerId = readInt64(data, p + 4);
    const producerEpoch = data.readInt16BE(p + 16);
    const sequence = data.readInt32BE(p + 22);
    const attributes = data.readInt16BE(p + 30);
    p += 32;
    // The batch boundary columns are NULL on rows from before migration 110.
    const offsetDelta = data.readInt32BE(p) < 0 ? -1 : data.readInt32BE(p + 4);
    p += offsetDelta < 0 ? 4 : 8;
    const lastOffsetDelta = data.readInt32BE(p) < 0 ? -1 : data.readInt32BE(p + 4);
    p += lastOffsetDelta < 0 ? 4 : 8;
    records.push({ offset, timestamp, key, value, headerKeys, headerValues, producerId, producerEpoch, sequence, attributes, offsetDelta, lastOffsetDelta });
  }
  return records;
}

/** The columns parseStoredRecords expects, in order (NOT NULL except key, value, the header arrays and the batch boundary). */
export const READ_COLUMNS =
  '"offset", timestamp, key, value, header_keys, header_values, producer_id, producer_epoch, sequence, attributes, offset_delta, last_offset_delta';
const READ_FIELD_COUNT = 12;

function readArray<T>(data: Buffer, p: number, element: (from: number, to: number) => T): (T | null)[] {
  const dims = data.readInt32BE(p);
  if (dims === 0) return [];
  const count = data.readInt32BE(p + 12);
  p += 20;
  const out: (T | null)[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const len = data.readInt32BE(p);
    p += 4;
    if (len < 0) {
      out[i] = null;
    } else {
      out[i] = element(p, p + len);
      p += len;
    }
  }
  return out;
}
