// Coalesces a stream of updates into at most one call per interval, always delivering the latest value:
// a sweep changes state many times a second, GitHub needs the living comment updated only every few seconds.

export interface Throttled<T> {
  push(value: T): void;
  /** Drops a pending value and waits for the delivery in flight: the caller sends the final state itself. */
  close(): Promise<void>;
}

export function throttleLatest<T>(intervalMs: number, deliver: (value: T) => Promise<void>, now: () => number = Date.now): Throttled<T> {
  let pending: { value: T } | undefined;
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const send = () => {
    timer = undefined;
    if (!pending) return;
    const { value } = pending;
    pending = undefined;
    last = now();
    // Deliveries are chained so an older update can never land after a newer one; a failed update is
    // dropped (the next one carries the full state anyway).
    inFlight = inFlight.then(() => deliver(value)).catch(() => undefined);
  };

  return {
    push(value) {
      pending = { value };
      if (timer) return;
      const wait = Math.max(0, last + intervalMs - now());
      if (wait === 0) send();
      else timer = setTimeout(send, wait);
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      await inFlight;
    },
  };
}
