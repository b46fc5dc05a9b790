// Kafka's int64 in JavaScript: a number while it is a safe integer, a bigint beyond (codec/reader.ts reads them so),
// and the few helpers handlers need to look at one without rounding it.

export type Int64 = number | bigint;

export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);

/** A bigint as an Int64: a number when that is exact. */
export function toInt64(v: bigint): Int64 {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/** True when v is exactly representable as a JS number (every number the reader returns is). */
export function isSafeInt64(v: Int64): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** a + b, kept within int64 (Kafka would overflow; a sum past the range means "for ever" where it is used). */
export function addInt64Saturating(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a + b)) return a + b;
  const sum = BigInt(a) + BigInt(b);
  return toInt64(sum > INT64_MAX ? INT64_MAX : sum < INT64_MIN ? INT64_MIN : sum);
}

/**
 * v as a number, with values beyond 2^53 moved to ±(2^53-1): for comparing a client's offset with the broker's,
 * which are always safe integers, so a clamped offset is out of range exactly when the original was.
 */
export function clampToSafe(v: Int64): number {
  if (typeof v === 'number') return v;
  return v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}
