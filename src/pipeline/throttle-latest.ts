// Coalesces a stream of updates into at most one call per interval, always delivering the latest value:
// a sweep changes state many times a second, GitHub needs the living comment updated only every few seconds.

export interface Throttled<T> {
  push(value: T): void;
  /** Drops a pending value and waits for the delivery in flight: the caller sends the final state itself. */
  close(): Promise<void>;
}

export function throttleLatest<T>(intervalMs: number, deliver: (value: T) => Promise<void>, now: () => number = Date.now): Throttled<T> {
  let pending: { value: T } | undefined;
  // The interval is counted from the end of the previous delivery, and one delivery runs at a time: a delivery
  // renders before it writes, and a slow render must not bring two GitHub writes closer than the interval.
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;

  const schedule = () => {
    const wait = Math.max(0, last + intervalMs - now());
    if (wait === 0) send();
    else timer = setTimeout(send, wait);
  };
  const send = () => {
    timer = undefined;
    if (!pending || inFlight) return;
    const { value } = pending;
    pending = undefined;
    // A failed update is dropped: the next one carries the full state anyway.
    inFlight = deliver(value).catch(() => undefined).finally(() => {
      inFlight = undefined;
      last = now();
      if (pending && !timer) schedule();
    });
  };

  return {
    push(value) {
      pending = { value };
      if (timer || inFlight) return;
      schedule();
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      await inFlight;
    },
  };
}
