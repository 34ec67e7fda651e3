// The living comment's throttle: the first update goes out at once, later ones at most once per interval and
// always the newest state; close() drops what is pending so the caller's final state is the last word.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { throttleLatest } from '../../../src/pipeline/throttle-latest.js';

describe('throttleLatest', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  function recorder() {
    const delivered: { value: string; at: number }[] = [];
    return {
      delivered,
      deliver: async (value: string) => {
        delivered.push({ value, at: Date.now() });
      },
    };
  }

  it('delivers the first value at once and coalesces the rest into the newest, one interval later', async () => {
    const { delivered, deliver } = recorder();
    const t = throttleLatest(5000, deliver);
    t.push('queued');
    t.push('running 1');
    t.push('running 2');
    await jest.advanceTimersByTimeAsync(4999);
    expect(delivered).toEqual([{ value: 'queued', at: 0 }]);
    await jest.advanceTimersByTimeAsync(1);
    expect(delivered).toEqual([
      { value: 'queued', at: 0 },
      { value: 'running 2', at: 5000 },
    ]);
  });

  it('sends nothing more after close(), which waits for the delivery in flight', async () => {
    const { delivered, deliver } = recorder();
    const t = throttleLatest(5000, deliver);
    t.push('queued');
    t.push('running');
    await t.close();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(delivered.map((d) => d.value)).toEqual(['queued']);
  });

  it('keeps going after a failed delivery (the next update carries the whole state)', async () => {
    const delivered: string[] = [];
    const t = throttleLatest(1000, async (value: string) => {
      if (value === 'a') throw new Error('GitHub said 502');
      delivered.push(value);
    });
    t.push('a');
    t.push('b');
    await jest.advanceTimersByTimeAsync(1000);
    expect(delivered).toEqual(['b']);
  });

  it('counts the interval from the end of a slow delivery, so two writes are never closer than the interval', async () => {
    const writes: { value: string; at: number }[] = [];
    // Each delivery spends 300 ms (rendering, a slow API) before its write lands.
    const t = throttleLatest(1000, async (value: string) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      writes.push({ value, at: Date.now() });
    });
    t.push('a');
    await jest.advanceTimersByTimeAsync(100);
    t.push('b');
    await jest.advanceTimersByTimeAsync(5000);
    expect(writes).toEqual([
      { value: 'a', at: 300 },
      { value: 'b', at: 1600 },
    ]);
  });

  it('drops a delivery still waiting for its turn when close() comes, and close() does not wait for that turn', async () => {
    const writes: string[] = [];
    const t = throttleLatest(1000, async (value: string) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      writes.push(value);
    });
    t.push('a');
    await jest.advanceTimersByTimeAsync(100);
    t.push('b');
    await jest.advanceTimersByTimeAsync(1000); // b is handed over at 1000 and waits until 1300
    let closed = false;
    void t.close().then(() => {
      closed = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    expect({ closed, writes }).toEqual({ closed: true, writes: ['a'] });
    await jest.advanceTimersByTimeAsync(5000);
    expect(writes).toEqual(['a']);
  });
});
