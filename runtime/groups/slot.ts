// Which coordinator slot a group (or transactional id) belongs to: Kafka's partitionFor, the absolute value of
// Java's String.hashCode modulo the number of slots (Kafka's 50 partitions of __consumer_offsets).

export const SLOT_COUNT = 50;

/** Java's String.hashCode: 31-based over UTF-16 code units, as a signed 32-bit integer. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export function slotFor(key: string, slots: number = SLOT_COUNT): number {
  const h = javaStringHash(key);
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
  return (h === -2147483648 ? 0 : Math.abs(h)) % slots;
}
