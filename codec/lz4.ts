// LZ4 frame format (magic 0x184D2204) as Kafka uses it: xxHash32, a block compressor and a bounds-checked decoder.
// Written here rather than taken from lz4js: lz4js frames lack the block-independence flag (Java's consumer refuses
// them) and its block compressor can start a match inside the last 12 bytes of a block, which the reference decoder
// rejects for a full block.

/** Thrown on a malformed or unsupported LZ4 frame. */
export class Lz4Error extends Error {
  override name = 'Lz4Error';
}

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

function read32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function write32(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** xxHash32 of data[start, end) with the given seed, unsigned. */
export function xxh32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  let i = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = end - 16;
    while (i <= limit) {
      v1 = Math.imul(rotl((v1 + Math.imul(read32(data, i), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(read32(data, i + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(read32(data, i + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(read32(data, i + 12), P2)) | 0, 13), P1);
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + (end - start)) | 0;
  while (i + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(read32(data, i), P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < end) {
    h = Math.imul(rotl((h + Math.imul(data[i], P5)) | 0, 11), P1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

// ---- block compression ----

const MIN_MATCH = 4;
const MF_LIMIT = 12; // a match must start at least this many bytes before the end of the block
const LAST_LITERALS = 5; // the last bytes of a block are always literals
const HASH_LOG = 14;
const SKIP_TRIGGER = 6;
const MAX_OFFSET = 65535;

// Positions are stored as `stamp + position in block`; an entry below the current stamp belongs to an earlier block,
// so the table never needs clearing and every block is compressed independently.
const hashTable = new Int32Array(1 << HASH_LOG);
let stamp = 0;

/** Worst-case size of one compressed block of n bytes. */
export function blockBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function writeLength(dst: Uint8Array, op: number, n: number): number {
  while (n >= 255) {
    dst[op++] = 255;
    n -= 255;
  }
  dst[op++] = n;
  return op;
}

function copyBytes(dst: Uint8Array, op: number, src: Uint8Array, from: number, to: number): number {
  if (to - from > 32) {
    dst.set(src.subarray(from, to), op);
    return op + (to - from);
  }
  while (from < to) dst[op++] = src[from++];
  return op;
}

/** Compresses src[start, end) into dst at op as one independent LZ4 block; returns the new output position. */
export function compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number): number {
  const len = end - start;
  if (stamp > 0x7fffffff - len - 1) {
    hashTable.fill(0);
    stamp = 0;
  }
  const base = stamp + 1 - start; // table value for position p is p + base, always > stamp
  const floor = stamp + 1;
  stamp += len + 1;

  let anchor = start;
  if (len >= MF_LIMIT + 1) {
    const matchStartLimit = end - MF_LIMIT;
    const matchEndLimit = end - LAST_LITERALS;
    const shift = 32 - HASH_LOG;
    let ip = start;
    let searches = 1 << SKIP_TRIGGER;
    while (ip <= matchStartLimit) {
      const seq = read32(src, ip);
      const h = Math.imul(seq, -1640531535) >>> shift; // 2654435761
      const stored = hashTable[h];
      hashTable[h] = ip + base;
      let ref = stored - base;
      if (stored < floor || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
        ip += searches++ >> SKIP_TRIGGER;
        continue;
      }
      searches = 1 << SKIP_TRIGGER;
      // extend backwards into pending literals
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      // extend forwards
      let mEnd = ip + MIN_MATCH;
      let r = ref + MIN_MATCH;
      while (mEnd < matchEndLimit && src[mEnd] === src[r]) {
        mEnd++;
        r++;
      }
      const litLen = ip - anchor;
      const mlCode = mEnd - ip - MIN_MATCH;
      const tokenAt = op++;
      let token: number;
      if (litLen >= 15) {
        token = 0xf0;
        op = writeLength(dst, op, litLen - 15);
      } else {
        token = litLen << 4;
      }
      op = copyBytes(dst, op, src, anchor, ip);
      const offset = ip - ref;
      dst[op++] = offset;
      dst[op++] = offset >>> 8;
      if (mlCode >= 15) {
        token |= 0x0f;
        op = writeLength(dst, op, mlCode - 15);
      } else {
        token |= mlCode;
      }
      dst[tokenAt] = token;
      ip = mEnd;
      anchor = ip;
      if (ip <= matchStartLimit) {
        // remember a position inside the match to find the next one sooner
        const p = ip - 2;
        hashTable[Math.imul(read32(src, p), -1640531535) >>> shift] = p + base;
      }
    }
  }
  // last literals
  const litLen = end - anchor;
  if (litLen >= 15) {
    dst[op++] = 0xf0;
    op = writeLength(dst, op, litLen - 15);
  } else {
    dst[op++] = litLen << 4;
  }
  return copyBytes(dst, op, src, anchor, end);
}

/**
 * Decodes one LZ4 block src[sp, send) into out at op, never writing at or beyond outLimit.
 * Matches may reach back to windowStart. Returns the new output position.
 */
export function decompressBlock(
  src: Uint8Array,
  sp: number,
  send: number,
  out: Uint8Array,
  op: number,
  outLimit: number,
  windowStart: number,
): number {
  if (sp >= send) throw new Lz4Error('empty lz4 block');
  for (;;) {
    const token = src[sp++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (sp >= send) throw new Lz4Error('truncated literal length');
        b = src[sp++];
        lit += b;
      } while (b === 255);
    }
    if (sp + lit > send) throw new Lz4Error('literals past end of block');
    if (op + lit > outLimit) throw new Lz4Error('output larger than the block maximum');
    if (lit > 32) {
      out.set(src.subarray(sp, sp + lit), op);
      op += lit;
      sp += lit;
    } else {
      for (let n = sp + lit; sp < n; ) out[op++] = src[sp++];
    }
    if (sp === send) return op; // the last sequence has literals only
    if (sp + 2 > send) throw new Lz4Error('truncated match offset');
    const offset = src[sp] | (src[sp + 1] << 8);
    sp += 2;
    if (offset === 0 || offset > op - windowStart) throw new Lz4Error('match offset out of range');
    let ml = token & 0x0f;
    if (ml === 15) {
      let b: number;
      do {
        if (sp >= send) throw new Lz4Error('truncated match length');
        b = src[sp++];
        ml += b;
      } while (b === 255);
    }
    ml += MIN_MATCH;
    if (op + ml > outLimit) throw new Lz4Error('output larger than the block maximum');
    let from = op - offset;
    if (offset >= ml) {
      out.copyWithin(op, from, from + ml);
      op += ml;
    } else {
      for (const n = op + ml; op < n; ) out[op++] = out[from++];
    }
  }
}

// ---- frames ----

const MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const UNCOMPRESSED_BIT = 0x80000000;
const WRITE_BLOCK_SIZE = 65536; // BD 4, as the Java client writes

let scratch = new Uint8Array(0);

/** Compresses data into one LZ4 frame: independent 64 KiB blocks, no checksums except the header's, like Java's client. */
export function lz4CompressFrame(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / WRITE_BLOCK_SIZE));
  const bound = 7 + 4 + blocks * 4 + blockBound(Math.min(data.length, WRITE_BLOCK_SIZE)) * blocks;
  let dst = scratch;
  if (dst.length < bound) {
    dst = new Uint8Array(bound);
    if (bound <= 4 << 20) scratch = dst;
  }
  write32(dst, 0, MAGIC);
  dst[4] = FLG_VERSION | FLG_BLOCK_INDEPENDENCE;
  dst[5] = 4 << 4;
  dst[6] = (xxh32(dst, 4, 6) >>> 8) & 0xff;
  let op = 7;
  for (let at = 0; at < data.length; at += WRITE_BLOCK_SIZE) {
    const end = Math.min(at + WRITE_BLOCK_SIZE, data.length);
    const n = end - at;
    const next = compressBlock(data, at, end, dst, op + 4);
    const size = next - op - 4;
    if (size >= n) {
      write32(dst, op, (n | UNCOMPRESSED_BIT) >>> 0);
      dst.set(data.subarray(at, end), op + 4);
      op += 4 + n;
    } else {
      write32(dst, op, size);
      op = next;
    }
  }
  write32(dst, op, 0);
  op += 4;
  return dst.slice(0, op);
}

/** Decodes one or more concatenated LZ4 frames (skippable frames are skipped). Verifies every checksum present. */
export function lz4DecompressFrame(src: Uint8Array): Uint8Array {
  let out = new Uint8Array(Math.min(Math.max(src.length * 4, 64), 1 << 20));
  let op = 0;
  let sp = 0;
  const ensure = (n: number): void => {
    if (op + n <= out.length) return;
    let size = out.length * 2;
    while (size < op + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(out.subarray(0, op));
    out = next;
  };
  const need = (n: number): void => {
    if (sp + n > src.length) throw new Lz4Error('truncated lz4 frame');
  };
  do {
    need(4);
    const magic = read32(src, sp) >>> 0;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      need(8);
      const size = read32(src, sp + 4) >>> 0;
      sp += 8;
      need(size);
      sp += size;
      continue;
    }
    if (magic !== MAGIC) throw new Lz4Error('not an lz4 frame (bad magic)');
    sp += 4;
    need(3);
    const descStart = sp;
    const flg = src[sp++];
    const bd = src[sp++];
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION) throw new Lz4Error('unsupported lz4 frame version');
    if (flg & FLG_DICT_ID) throw new Lz4Error('lz4 frames with a dictionary are not supported');
    const bsId = (bd >>> 4) & 7;
    if (bsId < 4) throw new Lz4Error(`invalid lz4 block size id ${bsId}`);
    const maxBlock = 1 << (2 * bsId + 8);
    let contentSize = -1;
    if (flg & FLG_CONTENT_SIZE) {
      need(9);
      contentSize = (read32(src, sp) >>> 0) + (read32(src, sp + 4) >>> 0) * 4294967296;
      sp += 8;
      if (contentSize > 0x7fffffff) throw new Lz4Error('lz4 content size too large');
      ensure(contentSize);
    }
    need(1);
    if (src[sp] !== ((xxh32(src, descStart, sp) >>> 8) & 0xff)) throw new Lz4Error('lz4 frame header checksum mismatch');
    sp++;
    const frameStart = op;
    const independent = (flg & FLG_BLOCK_INDEPENDENCE) !== 0;
    for (;;) {
      need(4);
      const word = read32(src, sp) >>> 0;
      sp += 4;
      if (word === 0) break;
      const raw = (word & UNCOMPRESSED_BIT) !== 0;
      const size = word & 0x7fffffff;
      if (size > maxBlock) throw new Lz4Error(`lz4 block of ${size} bytes exceeds its maximum ${maxBlock}`);
      need(size + (flg & FLG_BLOCK_CHECKSUM ? 4 : 0));
      if (flg & FLG_BLOCK_CHECKSUM) {
        if (xxh32(src, sp, sp + size) !== read32(src, sp + size) >>> 0) throw new Lz4Error('lz4 block checksum mismatch');
      }
      if (raw) {
        ensure(size);
        out.set(src.subarray(sp, sp + size), op);
        op += size;
      } else {
        // an LZ4 block expands at most ~255 times
        const room = Math.min(maxBlock, size * 255 + 16);
        ensure(room);
        op = decompressBlock(src, sp, sp + size, out, op, op + room, independent ? op : frameStart);
      }
      sp += size + (flg & FLG_BLOCK_CHECKSUM ? 4 : 0);
    }
    if (flg & FLG_CONTENT_CHECKSUM) {
      need(4);
      if (xxh32(out, frameStart, op) !== read32(src, sp) >>> 0) throw new Lz4Error('lz4 content checksum mismatch');
      sp += 4;
    }
    if (contentSize >= 0 && op - frameStart !== contentSize) throw new Lz4Error('lz4 content size mismatch');
  } while (sp < src.length);
  return op === out.length ? out : out.slice(0, op);
}
