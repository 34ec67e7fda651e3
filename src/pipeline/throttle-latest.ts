// Coalesces a stream of updates into at most one call per interval, always delivering the latest value:
// a sweep changes state many times a second, GitHub needs the living comment updated only every few seconds.

export interface Throttled<T> {
  push(value: T): void;
  /** Drops a pending value and waits for the delivery in flight: the caller sends the final state itself. */
  close(): Promise<void>;
}

export function throttleLatest<T>(
  intervalMs: number,
  deliver: (value: T) => Promise<void>,
  now: () => number = Date.now,
): Throttled<T> {
  let pending: { value: T } | undefined;
  let lastSent = -Infinity; // when the newest delivery was handed over: paces the pushes
  let lastDone = -Infinity; // when the previous delivery ended: paces the writes themselves
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const send = () => {
    timer = undefined;
    if (!pending) return;
    const { value } = pending;
    pending = undefined;
    lastSent = now();
    // Deliveries are chained so an older update can never land after a newer one, and each starts at least an
    // interval after the previous one ended: a delivery renders before it writes, and a slow render must not
    // bring two GitHub writes closer than the interval. A failed update is dropped (the next carries the state).
    inFlight = inFlight
      .then(async () => {
        const wait = lastDone + intervalMs - now();
        // One still waiting for its turn when close() comes is dropped: the caller's final state replaces it.
        if (wait > 0) {
          await pause(wait);
          if (closed) return;
        }
        await deliver(value);
      })
      .catch(() => undefined)
      .finally(() => {
        lastDone = now();
      });
  };

  return {
    push(value) {
      pending = { value };
      if (timer) return;
      const wait = Math.max(0, lastSent + intervalMs - now());
      if (wait === 0) send();
      else timer = setTimeout(send, wait);
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      wake?.();
      await inFlight;
    },
  };
}
