import { describe, expect, it } from '@jest/globals';
import { renderMergeReport } from '../../../src/report/render-merge-report.js';
import { type TrendPoint, renderTrend } from '../../../src/report/render-trend.js';
import { repoConfig } from '../config/repo-config.js';

const config = repoConfig();
const point = (sha: string, rmse?: number): TrendPoint => ({
  sha: sha.padEnd(40, '0'),
  metrics: rmse === undefined ? { mae: 0.5 } : { rmse, mae: 0.5 },
});

describe('renderTrend', () => {
  it('draws the primary metric of the baselines oldest to newest, each labelled with its short sha', () => {
    const newestFirst = [point('ccccccc', 0.64), point('bbbbbbb', 0.6512345), point('aaaaaaa', 0.66)];
    expect(renderTrend(newestFirst, config)).toBe(
      [
        '#### Trend of `main`',
        '',
        '```mermaid',
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#1f77b4"}}}}%%',
        'xychart-beta',
        '    title "rmse of the last 3 baselines of main"',
        '    x-axis "commit" ["aaaaaaa", "bbbbbbb", "ccccccc"]',
        '    y-axis "rmse"',
        '    line [0.6600, 0.6512, 0.6400]',
        '```',
        '',
        '`rmse` of each baseline trained with the default params, oldest on the left (lower is better).',
      ].join('\n'),
    );
  });

  it('says higher is better for a metric to maximize', () => {
    const r2 = { ...config, primaryMetric: 'r2' };
    const points = [
      { sha: 'b'.repeat(40), metrics: { r2: 0.3 } },
      { sha: 'a'.repeat(40), metrics: { r2: 0.2 } },
    ];
    expect(renderTrend(points, r2)).toContain(
      '`r2` of each baseline trained with the default params, oldest on the left (higher is better).',
    );
  });

  it('draws nothing for fewer than two baselines with the primary metric: one point is not a trend', () => {
    expect(renderTrend([], config)).toBeUndefined();
    expect(renderTrend([point('aaaaaaa', 0.66)], config)).toBeUndefined();
    expect(renderTrend([point('bbbbbbb'), point('aaaaaaa', 0.66)], config)).toBeUndefined();
  });

  it('charts at most trend_baselines points, the newest ones', () => {
    const points = Array.from({ length: 5 }, (_, i) => point(`${5 - i}`.repeat(7), 0.6 + i / 100));
    const chart = renderTrend(points, { ...config, trendBaselines: 3 }) ?? '';
    expect(chart).toContain('    x-axis "commit" ["3333333", "4444444", "5555555"]');
    expect(chart).toContain('    line [0.6200, 0.6100, 0.6000]');
  });

  it('keeps a sha that is not hex inside its Mermaid string', () => {
    const chart = renderTrend([point('a"b\nc`d'), point('a"b\nc`d', 0.6), point('x\\y', 0.7)].slice(1), config) ?? '';
    expect(chart).toContain(`    x-axis "commit" ["x'y0000", "a'b'c'd"]`);
  });
});

describe('the merge report with a trend', () => {
  const base = {
    pr: 7,
    baseRef: 'main',
    runs: [],
    config,
    now: 0,
    link: () => undefined,
    refresh: { kind: 'failed', sha: 'f'.repeat(40) } as const,
  };

  it('puts the trend below the summary and above the baseline refresh', () => {
    const report = renderMergeReport({ ...base, trend: [point('bbbbbbb', 0.65), point('aaaaaaa', 0.66)] });
    expect(report).toMatch(
      /^### trainbot: final report for #7\n\nNo trainbot runs were made on this pull request\.\n\n#### Trend of `main`\n\n```mermaid\n[^]*\n```\n\n`rmse` of each[^\n]*\n\n#### Baseline refresh\n\n❌/,
    );
  });

  it('has no trend section without two points', () => {
    expect(renderMergeReport({ ...base, trend: [point('aaaaaaa', 0.66)] })).not.toContain('Trend');
    expect(renderMergeReport(base)).not.toContain('Trend');
  });
});
