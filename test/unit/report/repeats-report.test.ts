import { describe, expect, it } from '@jest/globals';
import type { Baseline, RunResult } from '../../../src/report/compare.js';
import { compareRun, conclusionFor, rankRuns } from '../../../src/report/compare.js';
import { groupRepeats, repeatedBaseline } from '../../../src/report/group-repeats.js';
import { renderChart } from '../../../src/report/render-chart.js';
import { type ReportInput, renderReport } from '../../../src/report/render-report.js';
import { repoConfig } from '../config/repo-config.js';
import { reportBody, reportFooter } from '../../support/report-parts.js';

const config = repoConfig(); // rmse/mae minimize, r2 maximize, thresholds 0.001, 4 digits; seed_param seed
const NOW = Date.UTC(2026, 10, 26, 12, 30);
const runUrl = (id: string) => `http://mlflow.test/#/experiments/1/runs/${id}`;

/** One run of a repeat, as executeRuns reports it. */
function repeat(alpha: number, seed: number, rmse: number, state: RunResult['state'] = 'finished'): RunResult {
  return {
    name: `run-a${alpha}-s${seed}`,
    runId: `id-a${alpha}-s${seed}`,
    params: { alpha, l1_ratio: 0.5, seed },
    state,
    metrics: state === 'finished' ? { rmse, mae: rmse * 0.8, r2: 1 - rmse } : {},
    repeatSeed: seed,
  };
}

function baselineOf(rmses: Record<number, number>): Baseline {
  const repeats = Object.entries(rmses).map(([seed, rmse]) => ({
    seed: Number(seed),
    runId: `b-${seed}`,
    metrics: { rmse, mae: rmse * 0.8, r2: 1 - rmse },
  }));
  const mean = (k: 'rmse' | 'mae' | 'r2') => repeats.reduce((s, r) => s + r.metrics[k], 0) / repeats.length;
  return {
    runId: 'b-42',
    sha: '3f786850e387550fdab836ed7e6dc881de23001b',
    startTime: NOW - 2 * 3_600_000,
    metrics: { rmse: mean('rmse'), mae: mean('mae'), r2: mean('r2') },
    repeats,
  };
}

function input(runs: RunResult[], baseline: Baseline | undefined, title = 'trainbot: alpha=0.4 vs baseline, 3 seeds') {
  const report: ReportInput = {
    title,
    runs,
    baseline,
    config,
    now: NOW,
    runUrl,
    noBaselineHint: 'Merge a pull request to make one.',
    sha: 'c0ffee5e9d0c4a7b8e1f2a3b4c5d6e7f8a9b0c1d',
  };
  return report;
}

// Per seed the candidate is 0.008, 0.005 and 0.009 lower: a clear change though the seeds spread by 0.011.
const CLEAR = [repeat(0.4, 42, 0.731), repeat(0.4, 43, 0.744), repeat(0.4, 44, 0.722)];
const BASELINE = baselineOf({ 42: 0.739, 43: 0.749, 44: 0.731 });

describe('groupRepeats', () => {
  it('joins the repeats of a point into one row with the means, in the place of its first repeat', () => {
    const [point] = groupRepeats(CLEAR, config);
    expect(point?.state).toBe('finished');
    expect(point?.params).toEqual({ alpha: 0.4, l1_ratio: 0.5 });
    expect(point?.metrics.rmse).toBeCloseTo((0.731 + 0.744 + 0.722) / 3, 12);
    expect(point?.repeats?.map((r) => r.seed)).toEqual([42, 43, 44]);
  });
  it('leaves runs that are not repeats as they are', () => {
    const single: RunResult = {
      name: 'x',
      params: { alpha: 0.1, l1_ratio: 0.5, seed: 42 },
      state: 'finished',
      metrics: {},
    };
    expect(groupRepeats([single], config)).toEqual([single]);
  });
  it('shows no mean until every seed finished, and a failed seed’s reason', () => {
    const failed = { ...repeat(0.4, 43, 0, 'failed'), reason: 'exit 1' };
    expect(groupRepeats([CLEAR[0] as RunResult, failed, repeat(0.4, 44, 0, 'running')], config)[0]).toMatchObject({
      state: 'running',
      metrics: {},
    });
    expect(groupRepeats([CLEAR[0] as RunResult, failed, CLEAR[2] as RunResult], config)[0]).toMatchObject({
      state: 'failed',
      reason: 'seed=43: exit 1',
      metrics: {},
    });
  });
});

describe('repeatedBaseline', () => {
  const run = (sha: string, runId: string, rmse: number): Baseline => ({ runId, sha, startTime: 0, metrics: { rmse } });

  it('is the runs of the first seed’s sha, one per seed, with their means', () => {
    const baseline = repeatedBaseline(
      [run('a1', 'r42', 0.7), run('a1', 'r43', 0.72), run('a1', 'r44', 0.74)],
      [42, 43, 44],
    );
    expect(baseline?.repeats?.map((r) => [r.seed, r.runId])).toEqual([
      [42, 'r42'],
      [43, 'r43'],
      [44, 'r44'],
    ]);
    expect(baseline?.metrics.rmse).toBeCloseTo(0.72, 12);
  });
  it('leaves out a seed whose newest baseline is of another commit, so it is not paired', () => {
    const baseline = repeatedBaseline([run('a1', 'r42', 0.7), run('b2', 'r43', 0.9), undefined], [42, 43, 44]);
    expect(baseline?.repeats?.map((r) => r.seed)).toEqual([42]);
    expect(baseline?.metrics.rmse).toBe(0.7);
  });
  it('is no baseline without the first seed’s', () => {
    expect(repeatedBaseline([undefined, run('a1', 'r43', 0.7)], [42, 43])).toBeUndefined();
  });
});

describe('the paired verdict', () => {
  it('calls a change better when every seed improves beyond the noise', () => {
    const [point] = groupRepeats(CLEAR, config) as [RunResult];
    const [rmse] = compareRun(point, BASELINE, config);
    expect(rmse?.verdict).toBe('better');
    expect(rmse?.delta).toBeCloseTo(-0.0073333, 6);
    expect(conclusionFor(point, BASELINE, config)).toBe('success');
  });

  it('pairs by seed, not by position: a baseline listed in another order and with a seed more gives the same verdict', () => {
    const [point] = groupRepeats(CLEAR, config) as [RunResult];
    const shuffled = {
      ...BASELINE,
      repeats: [{ seed: 45, metrics: { rmse: 0.7, mae: 0.56, r2: 0.3 } }, ...[...(BASELINE.repeats ?? [])].reverse()],
    };
    expect(compareRun(point, shuffled, config)[0]?.delta).toBeCloseTo(-0.0073333, 6);
    // Paired by position the differences would be −0.000, +0.005, −0.017: within noise.
    expect(compareRun(point, shuffled, config)[0]?.verdict).toBe('better');
  });

  it('says within noise when the seeds disagree, and the check run concludes as unchanged', () => {
    const noisy = [repeat(0.4, 42, 0.712), repeat(0.4, 43, 0.763), repeat(0.4, 44, 0.735)];
    const baseline = baselineOf({ 42: 0.715, 43: 0.749, 44: 0.741 });
    const [point] = groupRepeats(noisy, config) as [RunResult];
    expect(compareRun(point, baseline, config)[0]?.verdict).toBe('noise');
    const strict = { ...config, conclusions: { ...config.conclusions, unchanged: 'neutral' as const } };
    expect(conclusionFor(point, baseline, strict)).toBe('neutral');
  });

  it('says within noise for a clear change no larger than the threshold', () => {
    const [point] = groupRepeats(CLEAR, config) as [RunResult];
    const loose = {
      ...config,
      metrics: { ...config.metrics, rmse: { goal: 'minimize' as const, threshold: 0.01, digits: 4 } },
    };
    expect(compareRun(point, BASELINE, loose)[0]?.verdict).toBe('noise');
  });
});

describe('renderReport with repeats', () => {
  it('shows mean ± sd on both sides, the paired Δ ± its interval, the verdict, each seed’s run and the baseline’s seeds', () => {
    const report = renderReport(input(CLEAR, BASELINE));
    expect(reportBody(report)).toBe(EXPECTED_ONE);
    // The footer types the request back as it was made: repeats, not a sweep over seeds.
    expect(reportFooter(report)).toContain('`/train alpha=0.4 l1_ratio=0.5 repeats=3`');
  });

  it('ranks a sweep by the mean, not by its best seed, and charts the mean as bars with min and max lines', () => {
    // alpha=0.1 has the single best seed (0.700) but the worse mean.
    const runs = [repeat(0.1, 42, 0.7), repeat(0.1, 43, 0.79), repeat(0.1, 44, 0.78), ...CLEAR];
    const points = groupRepeats(runs, config);
    expect(rankRuns(points, config).map((p) => p.params.alpha)).toEqual([0.4, 0.1]);
    expect(reportBody(renderReport(input(runs, BASELINE, 'trainbot sweep: 2 points × 3 seeds vs baseline')))).toBe(
      EXPECTED_SWEEP,
    );
    const chart = renderChart(points, config);
    expect(chart.kind === 'chart' && chart.markdown).toContain(
      '    bar [0.7567, 0.7323]\n    line [0.7000, 0.7220]\n    line [0.7900, 0.7440]',
    );
  });
});

describe('renderChart with repeats over two params', () => {
  it('keeps one line of means per value and says the sd is in the table', () => {
    const runs = [0.1, 0.5].flatMap((alpha) =>
      [0.2, 0.8].flatMap((l1) =>
        [42, 43].map((seed) => ({
          ...repeat(alpha, seed, 0.7 + alpha - l1 / 10),
          params: { alpha, l1_ratio: l1, seed },
        })),
      ),
    );
    const chart = renderChart(groupRepeats(runs, config), config);
    expect(chart.kind).toBe('chart');
    expect(chart.kind === 'chart' && chart.markdown).toContain('    line [0.7800, 1.1800]\n    line [0.7200, 1.1200]');
    expect(chart.kind === 'chart' && chart.markdown).toContain(
      'Each point is the mean over its seeds; the table has their sd.',
    );
  });
});

const EXPECTED_ONE = `### trainbot: alpha=0.4 vs baseline, 3 seeds

| Metric             |        Baseline |        This run |                Δ | Verdict   |
| :----------------- | --------------: | --------------: | ---------------: | :-------- |
| **rmse** (primary) | 0.7397 ± 0.0090 | 0.7323 ± 0.0111 | −0.0073 ± 0.0052 | ✅ better |
| mae                | 0.5917 ± 0.0072 | 0.5859 ± 0.0088 | −0.0059 ± 0.0041 | ✅ better |
| r2                 | 0.2603 ± 0.0090 | 0.2677 ± 0.0111 | +0.0073 ± 0.0052 | ✅ better |

Mean ± sd over 3 seeds (\`seed\` 42, 43, 44). Δ is the mean of the per-seed differences ± its 95% interval (3 seeds paired with the baseline's); it is better or worse only when that interval excludes 0 and the change is larger than the threshold.

Runs [\`seed=42\`](http://mlflow.test/#/experiments/1/runs/id-a0.4-s42) [\`seed=43\`](http://mlflow.test/#/experiments/1/runs/id-a0.4-s43) [\`seed=44\`](http://mlflow.test/#/experiments/1/runs/id-a0.4-s44) with \`alpha=0.4 l1_ratio=0.5\`.
Commit \`c0ffee5\` compared with the baseline [\`3f78685\`](http://mlflow.test/#/experiments/1/runs/b-42) on \`main\` (3 runs, \`seed\` 42, 43, 44), trained 2 hours ago.`;
const EXPECTED_SWEEP = `### trainbot sweep: 2 points × 3 seeds vs baseline

2 of 2 points finished, 3 seeds each (\`seed\` 42, 43, 44), ranked by the mean rmse (minimize). Values are mean ± sd; Δ is the mean per-seed difference from the baseline ± its 95% interval.

|    # | alpha |        **rmse** |           Δ rmse |             mae |              r2 | Verdict         | Run                                                                                                                                                                                                |
| ---: | ----: | --------------: | ---------------: | --------------: | --------------: | :-------------- | :------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------- |
| 🏆 1 |   0.4 | 0.7323 ± 0.0111 | −0.0073 ± 0.0052 | 0.5859 ± 0.0088 | 0.2677 ± 0.0111 | ✅ better       | [\`seed=42\`](http://mlflow.test/#/experiments/1/runs/id-a0.4-s42) [\`seed=43\`](http://mlflow.test/#/experiments/1/runs/id-a0.4-s43) [\`seed=44\`](http://mlflow.test/#/experiments/1/runs/id-a0.4-s44) |
|    2 |   0.1 | 0.7567 ± 0.0493 | +0.0170 ± 0.1209 | 0.6053 ± 0.0395 | 0.2433 ± 0.0493 | 〰️ within noise | [\`seed=42\`](http://mlflow.test/#/experiments/1/runs/id-a0.1-s42) [\`seed=43\`](http://mlflow.test/#/experiments/1/runs/id-a0.1-s43) [\`seed=44\`](http://mlflow.test/#/experiments/1/runs/id-a0.1-s44) |

\`\`\`mermaid
%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#1f77b4, #000000, #000000"}}}}%%
xychart-beta
    title "rmse by alpha"
    x-axis "alpha" ["0.1", "0.4"]
    y-axis "rmse"
    bar [0.7567, 0.7323]
    line [0.7000, 0.7220]
    line [0.7900, 0.7440]
\`\`\`

Bars: the mean rmse over the seeds; ⚫ lines: the lowest and the highest seed.

Commit \`c0ffee5\` compared with the baseline [\`3f78685\`](http://mlflow.test/#/experiments/1/runs/b-42) on \`main\` (3 runs, \`seed\` 42, 43, 44), trained 2 hours ago.`;
