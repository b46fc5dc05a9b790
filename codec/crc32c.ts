// CRC-32C (Castagnoli), the checksum of Kafka record batches: table-driven, slicing-by-8.

const POLY = 0x82f63b78; // reflected 0x1EDC6F41

/** 8 tables of 256 entries: TABLE[k * 256 + b] is the CRC of byte b followed by k zero bytes. */
const TABLE = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = TABLE[n];
  for (let k = 1; k < 8; k++) {
    c = TABLE[c & 0xff] ^ (c >>> 8);
    TABLE[k * 256 + n] = c;
  }
}

/** Continues a CRC-32C over data[start, end); pass the previous result as `crc` (0 to begin). */
export function crc32cUpdate(crc: number, data: Uint8Array, start = 0, end = data.length): number {
  const t = TABLE;
  let c = ~crc;
  let i = start;
  const end8 = end - 8;
  while (i <= end8) {
    const a = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    c =
      t[1792 + (a & 0xff)] ^
      t[1536 + ((a >>> 8) & 0xff)] ^
      t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + data[i + 4]] ^
      t[512 + data[i + 5]] ^
      t[256 + data[i + 6]] ^
      t[data[i + 7]];
    i += 8;
  }
  while (i < end) c = t[(c ^ data[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32C of data[start, end) as an unsigned 32-bit number. */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  return crc32cUpdate(0, data, start, end);
}
