// Writer: a growable byte buffer with Kafka's primitive encodings (big-endian ints, varints, compact lengths).

const textEncoder = new TextEncoder();

export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  int8(v: number): this {
    this.ensure(1);
    this.view.setInt8(this.pos, v);
    this.pos += 1;
    return this;
  }
  uint8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }
  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }
  /** int64 from a JS number (exact up to 2^53) or a bigint. */
  int64(v: number | bigint): this {
    this.ensure(8);
    if (typeof v === 'bigint') {
      this.view.setBigInt64(this.pos, v);
    } else {
      const hi = Math.floor(v / 4294967296);
      this.view.setInt32(this.pos, hi);
      this.view.setUint32(this.pos + 4, v - hi * 4294967296);
    }
    this.pos += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
    return this;
  }

  uvarint(v: number): this {
    this.ensure(5);
    v >>>= 0;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
    return this;
  }
  /** Zig-zag signed varint (32-bit). */
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  /** Zig-zag signed varlong; exact for |v| < 2^53. */
  varlong(v: number): this {
    if (v >= -1073741824 && v < 1073741824) return this.varint(v);
    let z = BigInt(v);
    z = z >= 0n ? z << 1n : ((-z) << 1n) - 1n;
    this.ensure(10);
    while (z >= 0x80n) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
    return this;
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** int16-length string; null writes -1. */
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const b = textEncoder.encode(s);
    return this.int16(b.length).raw(b);
  }
  /** uvarint(length+1) string; null writes 0. */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const b = textEncoder.encode(s);
    return this.uvarint(b.length + 1).raw(b);
  }
  /** int32-length bytes; null writes -1. */
  bytesField(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }
  compactBytes(b: Uint8Array | null): this {
    if (b === null) return this.uvarint(0);
    return this.uvarint(b.length + 1).raw(b);
  }
  uuid(u: string): this {
    const hex = u.replace(/-/g, '');
    if (hex.length !== 32) throw new Error(`invalid uuid ${u}`);
    this.ensure(16);
    for (let i = 0; i < 16; i++) this.buf[this.pos++] = parseInt(hex.substr(i * 2, 2), 16);
    return this;
  }
  /** Reserves 4 bytes for an int32 to be filled in later; returns its position. */
  reserveInt32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }
  setInt32At(at: number, v: number): void {
    this.view.setInt32(at, v);
  }
}
