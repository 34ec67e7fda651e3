import { describe, expect, it } from '@jest/globals';
import type { RunResult } from '../../../src/report/compare.js';
import { renderChart, sweptParams } from '../../../src/report/render-chart.js';
import { REPORT_MAX_CHARS, renderReport } from '../../../src/report/render-report.js';
import { repoConfig } from '../config/repo-config.js';

const config = repoConfig();

function run(params: Partial<Record<'alpha' | 'l1_ratio' | 'seed', number>>, rmse?: number): RunResult {
  const all = { alpha: 0.5, l1_ratio: 0.5, seed: 42, ...params };
  const name = `r-${all.alpha}-${all.l1_ratio}-${all.seed}`;
  return rmse === undefined
    ? { name, params: all, state: 'failed', reason: 'The training process exited with code 1.', metrics: {} }
    : { name, params: all, state: 'finished', metrics: { rmse, mae: 0.5, r2: 0.3 } };
}

describe('renderChart', () => {
  it('draws one line of the primary metric across the one swept param, x values in numeric order', () => {
    const runs = [run({ alpha: 1 }, 0.7), run({ alpha: 0.1 }, 0.62), run({ alpha: 0.5 }, 0.65)];
    expect(renderChart(runs, config)).toEqual({
      kind: 'chart',
      markdown: [
        '```mermaid',
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#1f77b4"}}}}%%',
        'xychart-beta',
        '    title "rmse by alpha"',
        '    x-axis "alpha" ["0.1", "0.5", "1"]',
        '    y-axis "rmse"',
        '    line [0.6200, 0.6500, 0.7000]',
        '```',
      ].join('\n'),
    });
  });

  it('draws one coloured line per value of the second param and names the colours, since xychart has no legend', () => {
    const runs = [
      run({ alpha: 0.1, l1_ratio: 0.2 }, 0.64),
      run({ alpha: 0.1, l1_ratio: 0.8 }, 0.6),
      run({ alpha: 0.5, l1_ratio: 0.2 }, 0.65),
      run({ alpha: 0.5, l1_ratio: 0.8 }, 0.61),
      run({ alpha: 1, l1_ratio: 0.2 }, 0.66),
      run({ alpha: 1, l1_ratio: 0.8 }, 0.6505),
    ];
    const chart = renderChart(runs, config);
    expect(chart.kind).toBe('chart');
    expect(chart.kind === 'chart' && chart.markdown).toBe(
      [
        '```mermaid',
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#1f77b4, #ff7f0e"}}}}%%',
        'xychart-beta',
        '    title "rmse by alpha"',
        '    x-axis "alpha" ["0.1", "0.5", "1"]',
        '    y-axis "rmse"',
        '    line [0.6400, 0.6500, 0.6600]',
        '    line [0.6000, 0.6100, 0.6505]',
        '```',
        '',
        'Lines: 🔵 `l1_ratio`=0.2 · 🟠 `l1_ratio`=0.8.',
      ].join('\n'),
    );
  });

  it('puts the param with more values on the x-axis whatever the config order', () => {
    const runs = [0.1, 0.3, 0.5].flatMap((l1) => [1, 2].map((alpha) => run({ alpha, l1_ratio: l1 }, alpha + l1)));
    const chart = renderChart(runs, config);
    expect(chart.kind === 'chart' && chart.markdown.split('\n').slice(3, 8)).toEqual([
      '    title "rmse by l1_ratio"',
      '    x-axis "l1_ratio" ["0.1", "0.3", "0.5"]',
      '    y-axis "rmse"',
      '    line [1.1000, 1.3000, 1.5000]',
      '    line [2.1000, 2.3000, 2.5000]',
    ]);
  });

  it('leaves out an x value where a line has no point yet (xychart cannot draw a gap) and says which', () => {
    const runs = [
      run({ alpha: 0.1, l1_ratio: 0.2 }, 0.64),
      run({ alpha: 0.1, l1_ratio: 0.8 }, 0.6),
      run({ alpha: 1, l1_ratio: 0.2 }),
      run({ alpha: 1, l1_ratio: 0.8 }, 0.61),
    ];
    const chart = renderChart(runs, config);
    expect(chart.kind === 'chart' && chart.markdown.split('\n').slice(4)).toEqual([
      '    x-axis "alpha" ["0.1"]',
      '    y-axis "rmse"',
      '    line [0.6400]',
      '    line [0.6000]',
      '```',
      '',
      'Lines: 🔵 `l1_ratio`=0.2 · 🟠 `l1_ratio`=0.8. Not charted (a run there has no rmse yet): `alpha`=1.',
    ]);
  });

  it('says the chart comes later while no run has finished', () => {
    const queued: RunResult[] = [run({ alpha: 0.1 }), run({ alpha: 1 })].map((r) => ({
      ...r,
      state: 'queued',
      reason: undefined,
    }));
    expect(renderChart(queued, config)).toEqual({
      kind: 'note',
      markdown: '_The chart appears once runs have finished._',
    });
  });

  it('omits the chart with a note when the grid has more than two dimensions', () => {
    const runs = [run({ alpha: 0.1, l1_ratio: 0.2, seed: 1 }, 0.6), run({ alpha: 1, l1_ratio: 0.8, seed: 2 }, 0.7)];
    expect(renderChart(runs, config)).toEqual({
      kind: 'note',
      markdown:
        '_No chart: this grid varies 3 parameters (`alpha`, `l1_ratio`, `seed`); a chart shows at most two. The table has every run._',
    });
  });

  it('omits the chart when the second param has more values than there are line colours', () => {
    const runs = Array.from({ length: 9 }, (_, a) =>
      Array.from({ length: 9 }, (_, s) => run({ alpha: a, seed: s }, 0.6)),
    ).flat();
    expect(renderChart(runs, config)).toEqual({
      kind: 'note',
      markdown:
        '_No chart: `seed` has 9 values, more lines than a chart without a legend can keep apart (8). The table has every run._',
    });
  });

  it('draws nothing for a single run or runs that differ in no param', () => {
    expect(renderChart([run({}, 0.6)], config)).toEqual({ kind: 'none' });
    expect(sweptParams([run({}, 0.6), run({}, 0.7)], config)).toEqual([]);
  });

  it('keeps a quote or line break in a value from ending the Mermaid string', () => {
    const hostile = {
      ...config,
      params: { ...config.params, solver: { type: 'string' as const, default: 'a', flag: '--solver' } },
    };
    const runs: RunResult[] = ['x"]\nline [9', 'b'].map((solver, i) => ({
      name: `s${i}`,
      params: { alpha: 0.5, l1_ratio: 0.5, seed: 42, solver },
      state: 'finished',
      metrics: { rmse: 0.6 },
    }));
    const chart = renderChart(runs, hostile);
    expect(chart.kind === 'chart' && chart.markdown.split('\n')[4]).toBe('    x-axis "solver" ["b", "x\']\'line [9"]');
  });
});

describe('renderReport with the chart', () => {
  it('puts the chart between the ranked table and the baseline line', () => {
    const runs = [run({ alpha: 0.1 }, 0.62), run({ alpha: 1 }, 0.7)];
    const report = renderReport({ title: 'sweep', runs, config, now: 0, noBaselineHint: 'Merge a pull request.' });
    const lines = report.split('\n');
    const chart = lines.indexOf('```mermaid');
    expect(lines.slice(chart - 2, chart)).toEqual([expect.stringMatching(/^\|\s+2 \|\s+1 \|.*`r-1-0.5-42`/), '']);
    // Then the reproducibility footer (render-footer.ts), which closes every report.
    const footer = lines.indexOf('<details><summary>Reproduce these 2 runs</summary>');
    expect(lines.at(-1)).toBe('</details>');
    expect(lines[footer - 2]).toBe('**No baseline yet** for `main` with the default params. Merge a pull request.');
    expect(lines[footer - 4]).toBe('```');
  });

  it('stays under the comment budget with 500 runs over two params, chart included', () => {
    const runs = Array.from({ length: 500 }, (_, i) => ({
      ...run({ alpha: (i % 100) / 10, l1_ratio: Math.floor(i / 100) / 10 }, 0.5 + i / 10_000),
      name: `trainbot-pr12-${String(i).padStart(12, '0')}`,
      runId: `${i}`.padStart(32, '0'),
    }));
    const runUrl = (id: string) => `http://mlflow.test/#/experiments/1/runs/${id}`;
    const report = renderReport({
      title: 'sweep',
      runs,
      config,
      now: 0,
      runUrl,
      noBaselineHint: 'Merge a pull request.',
    });
    expect(report.length).toBeLessThanOrEqual(REPORT_MAX_CHARS);
    expect(report).toContain('x-axis "alpha" ["0", "0.1", "0.2"');
    expect(report).toMatch(/… and \d+ more runs, not shown to stay within GitHub's comment size; all are in MLflow\./);
  });
});
