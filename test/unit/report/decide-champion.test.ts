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
