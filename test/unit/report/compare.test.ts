import { describe, expect, it } from '@jest/globals';
import {
  type Baseline,
  type RunResult,
  compareMetric,
  compareRun,
  conclusionFor,
  rankRuns,
} from '../../../src/report/compare.js';
import { repoConfig } from '../config/repo-config.js';

const config = repoConfig(); // rmse, mae: minimize; r2: maximize; all threshold 0.001; primary rmse
const baseline: Baseline = { runId: 'b1', sha: 'abc1234', startTime: 0, metrics: { rmse: 0.65, mae: 0.5, r2: 0.35 } };

function run(name: string, rmse: number | undefined, state: RunResult['state'] = 'finished'): RunResult {
  return { name, params: {}, state, metrics: rmse === undefined ? {} : { rmse } };
}

describe('compareMetric', () => {
  it('calls a lower value better when the goal is minimize', () => {
    expect(compareMetric('rmse', 0.6, 0.65, config)).toEqual({
      metric: 'rmse',
      candidate: 0.6,
      baseline: 0.65,
      delta: 0.6 - 0.65,
      verdict: 'better',
    });
    expect(compareMetric('rmse', 0.7, 0.65, config).verdict).toBe('worse');
  });

  it('calls a higher value better when the goal is maximize', () => {
    expect(compareMetric('r2', 0.4, 0.35, config).verdict).toBe('better');
    expect(compareMetric('r2', 0.3, 0.35, config).verdict).toBe('worse');
  });

  it('calls a change of exactly the threshold unchanged, in both directions, despite float noise', () => {
    expect(0.651 - 0.65).not.toBe(0.001);
    expect(compareMetric('rmse', 0.651, 0.65, config).verdict).toBe('unchanged');
    expect(compareMetric('rmse', 0.649, 0.65, config).verdict).toBe('unchanged');
    expect(compareMetric('r2', 0.351, 0.35, config).verdict).toBe('unchanged');
  });

  it('calls a change just past the threshold a change', () => {
    expect(compareMetric('rmse', 0.6511, 0.65, config).verdict).toBe('worse');
    expect(compareMetric('rmse', 0.6489, 0.65, config).verdict).toBe('better');
  });

  it('treats a zero threshold as: any difference counts', () => {
    const strict = {
      ...config,
      metrics: { ...config.metrics, rmse: { goal: 'minimize' as const, threshold: 0, digits: 4 } },
    };
    expect(compareMetric('rmse', 0.65, 0.65, strict).verdict).toBe('unchanged');
    expect(compareMetric('rmse', 0.6500001, 0.65, strict).verdict).toBe('worse');
  });

  it('reports a metric the run did not log, or that is NaN, as missing', () => {
    expect(compareMetric('rmse', undefined, 0.65, config)).toEqual({
      metric: 'rmse',
      baseline: 0.65,
      verdict: 'missing',
    });
    expect(compareMetric('rmse', Number.NaN, 0.65, config)).toEqual({
      metric: 'rmse',
      baseline: 0.65,
      verdict: 'missing',
    });
    expect(compareMetric('rmse', Number.POSITIVE_INFINITY, 0.65, config).verdict).toBe('missing');
  });

  it('reports a metric the config does not know as missing', () => {
    expect(compareMetric('accuracy', 0.9, 0.8, config).verdict).toBe('missing');
  });

  it('reports no-baseline when the baseline lacks the metric or has NaN', () => {
    expect(compareMetric('rmse', 0.6, undefined, config)).toEqual({
      metric: 'rmse',
      candidate: 0.6,
      verdict: 'no-baseline',
    });
    expect(compareMetric('rmse', 0.6, Number.NaN, config)).toEqual({
      metric: 'rmse',
      candidate: 0.6,
      verdict: 'no-baseline',
    });
  });
});

describe('compareRun', () => {
  it('gives one row per configured metric, in config order', () => {
    const rows = compareRun(
      { name: 'r', params: {}, state: 'finished', metrics: { r2: 0.4, rmse: 0.6 } },
      baseline,
      config,
    );
    expect(rows.map((r) => [r.metric, r.verdict])).toEqual([
      ['rmse', 'better'],
      ['mae', 'missing'],
      ['r2', 'better'],
    ]);
  });

  it('says no-baseline for every metric when there is no baseline', () => {
    const rows = compareRun(run('r', 0.6), undefined, config);
    expect(rows.map((r) => r.verdict)).toEqual(['no-baseline', 'missing', 'missing']);
  });
});

describe('rankRuns', () => {
  it('puts the best primary metric first (lowest rmse)', () => {
    expect(rankRuns([run('a', 0.7), run('b', 0.5), run('c', 0.6)], config).map((r) => r.name)).toEqual(['b', 'c', 'a']);
  });

  it('puts the highest first when the primary metric is maximized', () => {
    const byR2 = { ...config, primaryMetric: 'r2' };
    const runs = [0.1, 0.3, 0.2].map((r2, i) => ({
      name: `r${i}`,
      params: {},
      state: 'finished' as const,
      metrics: { r2 },
    }));
    expect(rankRuns(runs, byR2).map((r) => r.name)).toEqual(['r1', 'r2', 'r0']);
  });

  it('breaks ties by name, whatever order the runs finished in', () => {
    const tied = [run('zeta', 0.5), run('alpha', 0.5), run('mid', 0.5)];
    expect(rankRuns(tied, config).map((r) => r.name)).toEqual(['alpha', 'mid', 'zeta']);
    expect(rankRuns([...tied].reverse(), config).map((r) => r.name)).toEqual(['alpha', 'mid', 'zeta']);
  });

  it('puts failed, unfinished and unscored runs last, in their planned order', () => {
    const runs = [
      run('f1', undefined, 'failed'),
      run('ok2', 0.6),
      run('t', undefined, 'timeout'),
      run('nometric', undefined),
      run('ok1', 0.5),
      run('q', 0.1, 'running'),
    ];
    expect(rankRuns(runs, config).map((r) => r.name)).toEqual(['ok1', 'ok2', 'f1', 't', 'nometric', 'q']);
  });

  it('does not reorder the array it is given', () => {
    const runs = [run('a', 0.7), run('b', 0.5)];
    rankRuns(runs, config);
    expect(runs.map((r) => r.name)).toEqual(['a', 'b']);
  });
});

describe('conclusionFor', () => {
  it.each([
    ['better', 0.6, 'success'],
    ['unchanged', 0.6505, 'success'],
    ['worse', 0.7, 'failure'],
  ])('maps a %s primary metric to the default conclusion', (_, rmse, conclusion) => {
    expect(conclusionFor(run('best', rmse), baseline, config)).toBe(conclusion);
  });

  it('is neutral by default when there is no baseline', () => {
    expect(conclusionFor(run('best', 0.6), undefined, config)).toBe('neutral');
  });

  it('fails when no run finished or the best run did not log the primary metric', () => {
    expect(conclusionFor(undefined, baseline, config)).toBe('failure');
    expect(conclusionFor(run('x', undefined, 'failed'), baseline, config)).toBe('failure');
    expect(conclusionFor(run('x', undefined), baseline, config)).toBe('failure');
  });

  it('uses the conclusions the repository configured', () => {
    const lenient = {
      ...config,
      conclusions: {
        better: 'neutral' as const,
        unchanged: 'neutral' as const,
        worse: 'neutral' as const,
        noBaseline: 'success' as const,
      },
    };
    expect([0.6, 0.6505, 0.7].map((rmse) => conclusionFor(run('b', rmse), baseline, lenient))).toEqual([
      'neutral',
      'neutral',
      'neutral',
    ]);
    expect(conclusionFor(run('b', 0.6), undefined, lenient)).toBe('success');
  });
});
