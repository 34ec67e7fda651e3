// At most `max` tasks at once, the rest queued in arrival order. The bot's requests to MLflow go through one, so a
// burst of commands waits in the bot instead of running MLflow out of database connections. No I/O, no timers.

export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** The most tasks that ran at once and the longest queue so far (benchmarks report them). */
  peakActive = 0;
  peakQueued = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`A concurrency limit must be a whole number of at least 1, not ${max}.`);
  }

  /** Tasks waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active += 1;
      this.peakActive = Math.max(this.peakActive, this.active);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.peakQueued = Math.max(this.peakQueued, this.waiting.length);
    });
  }

  // The freed slot goes straight to the oldest waiter, so a task arriving now cannot overtake the queue.
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}

/** A positive whole number from an environment variable, or `fallback` when unset; a bad value is a sentence. */
export function concurrencyFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a whole number of at least 1 (concurrent requests), not "${raw}".`);
  return value;
}
