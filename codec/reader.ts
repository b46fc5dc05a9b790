// Reader: a bounds-checked cursor over a byte array with Kafka's primitive decodings. Strings must be valid UTF-8
// (anything else is a DecodeError, so the request is refused rather than altered), and int64s come back exactly:
// a number while they are safe integers, a bigint beyond.

import { type Int64, toInt64 } from './int64.ts';

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Thrown when a message is shorter than its own layout says or otherwise malformed. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

export class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new DecodeError(`need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
    }
  }

  int8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }
  uint8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  bool(): boolean {
    return this.uint8() !== 0;
  }
  int16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }
  uint16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  /** int64 exactly: a number when it is a safe integer (offsets, timestamps and ids in practice), else a bigint. */
  int64(): Int64 {
    this.need(8);
    const hi = this.view.getInt32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    // Beyond 2^53 the sum may round, but never to a safe integer: the check below is sound.
    const v = hi * 4294967296 + lo;
    const out = Number.isSafeInteger(v) ? v : this.view.getBigInt64(this.pos);
    this.pos += 8;
    return out;
  }
  int64Big(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (shift > 28) throw new DecodeError('varint too long');
      const b = this.uint8();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }
  varint(): number {
    const z = this.uvarint();
    return (z >>> 1) ^ -(z & 1);
  }
  /** Zig-zag varlong, exactly (see int64). */
  varlong(): Int64 {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (shift > 63n) throw new DecodeError('varlong too long');
      const b = this.uint8();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    return toInt64(BigInt.asIntN(64, (result >> 1n) ^ -(result & 1n)));
  }

  /** A view of the next n bytes (no copy). */
  raw(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  string(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    return this.utf8(n);
  }
  compactString(): string | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.utf8(n);
  }
  /** The next n bytes as UTF-8 text; invalid UTF-8 is a DecodeError. */
  utf8(n: number): string {
    const at = this.pos;
    const bytes = this.raw(n);
    try {
      return textDecoder.decode(bytes);
    } catch {
      throw new DecodeError(`string of ${n} bytes at ${at} is not valid UTF-8`);
    }
  }
  bytesField(): Uint8Array | null {
    const n = this.int32();
    if (n < 0) return null;
    return this.raw(n);
  }
  compactBytes(): Uint8Array | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.raw(n);
  }
  uuid(): string {
    const b = this.raw(16);
    let hex = '';
    for (let i = 0; i < 16; i++) hex += b[i].toString(16).padStart(2, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
