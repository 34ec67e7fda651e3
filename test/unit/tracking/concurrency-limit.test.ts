// The queue in front of MLflow: at most `max` tasks at once, the rest in arrival order, a failed task frees its slot.
import { describe, expect, it } from '@jest/globals';
import { ConcurrencyLimit, concurrencyFromEnv } from '../../../src/tracking/concurrency-limit.js';

/** A task the test finishes by hand, recording when it started. */
function gate(log: string[], name: string) {
  let finish!: (fail?: boolean) => void;
  const task = () => {
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => {
      finish = (fail) => (fail ? reject(new Error(name)) : resolve(name));
    });
  };
  return { task, finish: (fail?: boolean) => finish(fail) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimit', () => {
  it('runs at most max tasks at once and starts the rest in the order they came', async () => {
    const log: string[] = [];
    const limit = new ConcurrencyLimit(2);
    const tasks = ['a', 'b', 'c', 'd'].map((name) => gate(log, name));
    const results = tasks.map((t) => limit.run(t.task));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    expect(limit.queued).toBe(2);
    tasks[1]!.finish();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'start c']);
    tasks[0]!.finish();
    tasks[2]!.finish();
    await tick();
    tasks[3]!.finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
    expect([limit.peakActive, limit.peakQueued, limit.queued]).toEqual([2, 2, 0]);
  });

  it('frees the slot of a task that fails, and passes the failure on', async () => {
    const log: string[] = [];
    const limit = new ConcurrencyLimit(1);
    const first = gate(log, 'a');
    const second = gate(log, 'b');
    const failed = limit.run(first.task);
    const next = limit.run(second.task);
    await tick();
    first.finish(true);
    await expect(failed).rejects.toThrow('a');
    await tick();
    second.finish();
    await expect(next).resolves.toBe('b');
    expect(log).toEqual(['start a', 'start b']);
  });

  it('lets a task that arrives as a slot frees wait behind the queue', async () => {
    const log: string[] = [];
    const limit = new ConcurrencyLimit(1);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => gate(log, name));
    const runs = [limit.run(a!.task), limit.run(b!.task)];
    await tick();
    a!.finish();
    runs.push(limit.run(c!.task));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    b!.finish();
    await tick();
    c!.finish();
    await Promise.all(runs);
    expect(log).toEqual(['start a', 'start b', 'start c']);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %p', (max) => {
    expect(() => new ConcurrencyLimit(max)).toThrow(
      `A concurrency limit must be a whole number of at least 1, not ${max}.`,
    );
  });
});

describe('concurrencyFromEnv', () => {
  it('reads a positive whole number, falls back when unset, and says what is wrong otherwise', () => {
    expect(concurrencyFromEnv({ N: '4' }, 'N', 8)).toBe(4);
    expect(concurrencyFromEnv({}, 'N', 8)).toBe(8);
    expect(concurrencyFromEnv({ N: ' ' }, 'N', 8)).toBe(8);
    expect(() => concurrencyFromEnv({ N: 'lots' }, 'N', 8)).toThrow(
      'N must be a whole number of at least 1 (concurrent requests), not "lots".',
    );
    expect(() => concurrencyFromEnv({ N: '0' }, 'N', 8)).toThrow('not "0"');
  });
});
