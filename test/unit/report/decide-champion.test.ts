import { describe, expect, it } from '@jest/globals';
import { decideChampion } from '../../../src/report/decide-champion.js';
import { repoConfig } from '../config/repo-config.js';

// The repository config: rmse is primary, goal minimize, threshold 0.001.
const config = repoConfig();

describe('decideChampion: the alias moves only when the new model is not worse', () => {
  it('moves when there is no champion, with nothing compared', () => {
    expect(decideChampion({ rmse: 0.9 }, undefined, config)).toEqual({ move: true });
  });

  it('moves when the primary metric is better', () => {
    expect(decideChampion({ rmse: 0.7 }, { rmse: 0.74 }, config)).toEqual({
      move: true,
      comparison: {
        metric: 'rmse',
        candidate: 0.7,
        baseline: 0.74,
        delta: expect.closeTo(-0.04, 10),
        verdict: 'better',
      },
    });
  });

  it('moves when the change is within the threshold, either way', () => {
    expect(decideChampion({ rmse: 0.7405 }, { rmse: 0.74 }, config).move).toBe(true);
    expect(decideChampion({ rmse: 0.7395 }, { rmse: 0.74 }, config).move).toBe(true);
  });

  it('keeps the champion when the primary metric is worse by more than the threshold', () => {
    expect(decideChampion({ rmse: 0.76 }, { rmse: 0.74 }, config)).toEqual({
      move: false,
      comparison: {
        metric: 'rmse',
        candidate: 0.76,
        baseline: 0.74,
        delta: expect.closeTo(0.02, 10),
        verdict: 'worse',
      },
    });
  });

  it('reads the goal: a higher r2 is better when r2 is the primary metric', () => {
    const r2 = { ...config, primaryMetric: 'r2' };
    expect(decideChampion({ r2: 0.3 }, { r2: 0.1 }, r2).move).toBe(true);
    expect(decideChampion({ r2: 0.05 }, { r2: 0.1 }, r2).move).toBe(false);
  });

  it('keeps the champion when the new model lacks the primary metric, and moves when the champion lacks it', () => {
    expect(decideChampion({ mae: 0.5 }, { rmse: 0.74 }, config).move).toBe(false);
    expect(decideChampion({ rmse: 0.8 }, { mae: 0.5 }, config)).toMatchObject({
      move: true,
      comparison: { verdict: 'no-baseline' },
    });
  });
});

/** Runs per seed 42–44 with these rmse values. */
const seeds = (...rmse: number[]) => rmse.map((value, i) => ({ seed: 42 + i, metrics: { rmse: value } }));
const withRepeats = { ...config, repeats: 3 };

describe('decideChampion with repeats: the paired verdict over the seeds decides', () => {
  // Champion 0.74 / 0.75 / 0.76 per seed. New: seed 42 alone is 0.004 worse (the threshold rule keeps it), but
  // the other seeds move the other way: per seed +0.004, −0.003, +0.005, mean +0.002 ± 0.0108 at 95%.
  const champion = seeds(0.74, 0.75, 0.76);
  const noisy = seeds(0.744, 0.747, 0.765);

  it('moves when the change is within noise, though the first seed alone looks worse', () => {
    expect(decideChampion({ rmse: 0.744 }, { rmse: 0.74 }, config).move).toBe(false);
    const decision = decideChampion({ rmse: 0.744 }, { rmse: 0.74 }, withRepeats, {
      candidate: noisy,
      champion,
    });
    expect(decision.move).toBe(true);
    expect(decision.comparison).toMatchObject({
      metric: 'rmse',
      candidate: expect.closeTo(0.752, 10),
      baseline: expect.closeTo(0.75, 10),
      delta: expect.closeTo(0.002, 10),
      verdict: 'noise',
      spread: { interval: { pairs: 3, mean: expect.closeTo(0.002, 10), half: expect.closeTo(0.0108, 4) } },
    });
  });

  it('keeps the champion when every seed is worse, though the first seed alone is within the threshold', () => {
    // Per seed +0.0009, +0.0015, +0.0012: mean +0.0012 ± 0.0007, above the threshold and clear of 0.
    const worse = seeds(0.7409, 0.7515, 0.7612);
    expect(decideChampion({ rmse: 0.7409 }, { rmse: 0.74 }, config).move).toBe(true);
    const decision = decideChampion({ rmse: 0.7409 }, { rmse: 0.74 }, withRepeats, { candidate: worse, champion });
    expect(decision).toMatchObject({
      move: false,
      comparison: { verdict: 'worse', delta: expect.closeTo(0.0012, 10), spread: { interval: { pairs: 3 } } },
    });
  });

  it('moves when better on every seed, beyond the noise', () => {
    const better = seeds(0.72, 0.731, 0.739);
    expect(
      decideChampion({ rmse: 0.72 }, { rmse: 0.74 }, withRepeats, { candidate: better, champion }).comparison?.verdict,
    ).toBe('better');
  });

  it('pairs only seeds both sides trained; with fewer than two pairs the means decide by the threshold', () => {
    const one = decideChampion({ rmse: 0.744 }, { rmse: 0.74 }, withRepeats, {
      candidate: noisy,
      champion: champion.slice(0, 1),
    });
    // The new mean 0.752 against the champion's one seed 0.74: worse by the threshold, and no interval.
    expect(one).toMatchObject({ move: false, comparison: { verdict: 'worse', baseline: 0.74 } });
    expect(one.comparison?.spread?.interval).toBeUndefined();
  });

  it("compares the means with the champion's own run when none of its seeds pairs", () => {
    expect(
      decideChampion({ rmse: 0.744 }, { rmse: 0.75 }, withRepeats, { candidate: noisy, champion: [] }),
    ).toMatchObject({
      move: false,
      comparison: { verdict: 'worse', candidate: expect.closeTo(0.752, 10), baseline: 0.75 },
    });
  });

  it('decides as before on one run a side, even when handed runs per seed', () => {
    const single = { candidate: noisy.slice(0, 1), champion: champion.slice(0, 1) };
    expect(decideChampion({ rmse: 0.744 }, { rmse: 0.74 }, config, single)).toEqual(
      decideChampion({ rmse: 0.744 }, { rmse: 0.74 }, config),
    );
  });
});
