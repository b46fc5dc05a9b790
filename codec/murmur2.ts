// Kafka's default key partitioner: 32-bit MurmurHash2 (seed 0x9747b28c) as Java's Utils.murmur2 computes it.

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/** murmur2 of the key bytes as a signed int32, equal to Kafka's Utils.murmur2. */
export function murmur2(key: Uint8Array): number {
  const length = key.length;
  let h = SEED ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = key[i] | (key[i + 1] << 8) | (key[i + 2] << 16) | (key[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= key[length4 + 2] << 16;
  if (rest >= 2) h ^= key[length4 + 1] << 8;
  if (rest >= 1) {
    h ^= key[length4];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Java's default partitioner picks for a keyed record: toPositive(murmur2(key)) % partitions. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
