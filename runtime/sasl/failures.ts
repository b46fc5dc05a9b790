// Failed authentications per client address: each failure within a minute of the previous one doubles the delay
// before the next failure is answered (from 100 ms, capped at 5 s), so a burst of wrong passwords from one address
// is slowed down while other clients are served at once. A success from the address forgets its failures.

const WINDOW_MS = 60_000;
const FIRST_DELAY_MS = 100;
export const MAX_FAILURE_DELAY_MS = 5_000;
/** Addresses remembered at most (the oldest are forgotten first): bounds memory under a spread-out attack. */
const MAX_ADDRESSES = 10_000;

/** The delay before answering the `failures`-th failure in a row (the first is answered at once). */
export function failureDelayMs(failures: number): number {
  if (failures <= 1) return 0;
  return Math.min(MAX_FAILURE_DELAY_MS, FIRST_DELAY_MS * 2 ** (failures - 2));
}

export class FailureThrottle {
  readonly #byAddress = new Map<string, { count: number; lastAt: number }>();

  /** Counts a failure from `address` and returns how long to wait before answering it. */
  failed(address: string, now = Date.now()): number {
    const seen = this.#byAddress.get(address);
    const count = seen && now - seen.lastAt < WINDOW_MS ? seen.count + 1 : 1;
    this.#byAddress.delete(address);
    this.#byAddress.set(address, { count, lastAt: now });
    if (this.#byAddress.size > MAX_ADDRESSES) this.#byAddress.delete(this.#byAddress.keys().next().value as string);
    return failureDelayMs(count);
  }

  succeeded(address: string): void {
    this.#byAddress.delete(address);
  }
}
