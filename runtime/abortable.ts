// A wait settled by a callback that someone else keeps and may call much later (a classic group keeps a member's
// join or sync callback until its rebalance ends), cut short when the request's connection closes: the promise
// then settles at once with `aborted()`, and the kept callback no longer reaches the waiter, so a vanished
// client's request (its handler, its connection) is not held until the group gets round to it.

export function abortable<T>(signal: AbortSignal | undefined, start: (settle: (value: T) => void) => void, aborted: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    // The kept callback reaches the promise only through this box, emptied on the first of settle and abort.
    const box: { resolve: ((value: T) => void) | null } = { resolve };
    const onAbort = () => {
      const r = box.resolve;
      box.resolve = null;
      r?.(aborted());
    };
    start((value) => {
      const r = box.resolve;
      if (r === null) return;
      box.resolve = null;
      signal?.removeEventListener('abort', onAbort);
      r(value);
    });
    if (box.resolve === null || signal === undefined) return;
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
