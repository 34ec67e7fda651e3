import { describe, expect, it } from '@jest/globals';
import type { Baseline, RunResult } from '../../../src/report/compare.js';
import { codeSpan } from '../../../src/report/markdown-escape.js';
import {
  REPORT_MAX_CHARS,
  type ReportInput,
  formatAge,
  formatDelta,
  formatNumber,
  renderReport,
} from '../../../src/report/render-report.js';
import { repoConfig } from '../config/repo-config.js';
import { pipeColumns, tableLines } from './monospace-columns.js';
import { reportBody } from '../../support/report-parts.js';

const config = repoConfig();
const NOW = Date.UTC(2026, 10, 26, 12, 30);
const HOUR = 3_600_000;
const baseline: Baseline = {
  runId: 'b1',
  sha: '3f786850e387550fdab836ed7e6dc881de23001b',
  startTime: NOW - 3.5 * HOUR,
  metrics: { rmse: 0.65, mae: 0.5, r2: 0.35 },
};
const runUrl = (id: string) => `http://mlflow.test/#/experiments/1/runs/${id}`;
const HEAD = 'c0ffee5e9d0c4a7b8e1f2a3b4c5d6e7f8a9b0c1d';
const HINT = 'Comment `/train` on the default branch to make one.';

function input(runs: RunResult[], extra: Partial<ReportInput> = {}): ReportInput {
  return {
    title: 'trainbot: alpha=0.1 vs baseline',
    runs,
    baseline,
    config,
    now: NOW,
    runUrl,
    noBaselineHint: HINT,
    sha: HEAD,
    ...extra,
  };
}

/** The report above its reproducibility footer (render-footer.ts, tested there). */
const withoutFooter = (report: string) => report.replace(/\n\n<details><summary>Reproduce [^]*$/, '');

function finished(name: string, params: RunResult['params'], rmse: number): RunResult {
  return { name, runId: `id-${name}`, params, state: 'finished', metrics: { rmse, mae: 0.5, r2: 0.3 } };
}

describe('renderReport: one run', () => {
  const run: RunResult = {
    name: 'trainbot-pr12-aaa',
    runId: 'r1',
    params: { alpha: 0.1, l1_ratio: 0.5, seed: 42 },
    state: 'finished',
    metrics: { rmse: 0.6123, mae: 0.5004, r2: 0.3 },
  };

  it('tabulates every metric against the baseline, links the run and the baseline, names both commits and says how old the baseline is', () => {
    expect(withoutFooter(renderReport(input([run])))).toBe(`### trainbot: alpha=0.1 vs baseline

| Metric             | Baseline | This run |       Δ | Verdict      |
| :----------------- | -------: | -------: | ------: | :----------- |
| **rmse** (primary) |   0.6500 |   0.6123 | −0.0377 | ✅ better    |
| mae                |   0.5000 |   0.5004 | +0.0004 | ➖ unchanged |
| r2                 |   0.3500 |   0.3000 | −0.0500 | ❌ worse     |

Run [\`trainbot-pr12-aaa\`](http://mlflow.test/#/experiments/1/runs/r1) with \`alpha=0.1 l1_ratio=0.5 seed=42\`.
Commit \`c0ffee5\` compared with the baseline [\`3f78685\`](http://mlflow.test/#/experiments/1/runs/b1) on \`main\`, trained 3 hours ago.`);
  });

  it('ends with the reproducibility footer: the commit trained and the command that repeats the run', () => {
    const report = renderReport(input([{ ...run, provenance: { image: 'local' } }]));
    expect(report.slice(withoutFooter(report).length)).toContain(
      `\n\n<details><summary>Reproduce this run</summary>\n\n- Image: local, not an image (\`trainbot run\`)\n- Commit: \`${HEAD}\`\n- Params: \`alpha=0.1 l1_ratio=0.5 seed=42\``,
    );
    expect(report.endsWith('\n</details>')).toBe(true);
  });

  it('names only the baseline when the trained commit is not known', () => {
    expect(
      withoutFooter(renderReport(input([run], { sha: undefined })))
        .split('\n')
        .at(-1),
    ).toBe('Baseline: [`3f78685`](http://mlflow.test/#/experiments/1/runs/b1) on `main`, trained 3 hours ago.');
  });

  it('says the baseline run was changed after trainbot recorded it, with what changed, and compares with nothing', () => {
    const rejected = {
      runId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      sha: baseline.sha,
      check: {
        status: 'changed' as const,
        changes: [
          { metric: 'rmse', recorded: 0.7436, current: 9.99 },
          { metric: 'r2', recorded: 0.106 },
        ],
      },
    };
    const report = renderReport(input([run], { baseline: undefined, rejectedBaseline: rejected }));
    expect(report).toContain('| **rmse** (primary) |        — |   0.6123 |    | — no baseline |');
    expect(withoutFooter(report).split('\n').at(-1)).toBe(
      'Commit `c0ffee5`. ⚠️ The baseline run [`0a1b2c3d`](http://mlflow.test/#/experiments/1/runs/0a1b2c3d4e5f60718293a4b5c6d7e8f9) (`3f78685` on `main`) ' +
        `was changed after trainbot recorded it (rmse 0.7436 → 9.9900, r2 0.1060 → —), so it was not used. ${HINT}`,
    );
  });

  it.each([
    ['unverifiable', 'was changed after trainbot recorded it (its signed record of the metrics no longer verifies)'],
    [
      'unrecorded',
      'has no record of its metrics from trainbot (an older trainbot trained it, or the record was removed after it finished)',
    ],
  ] as const)('says why a baseline whose record is %s was not used', (status, text) => {
    const report = renderReport(
      input([run], {
        baseline: undefined,
        runUrl: undefined,
        rejectedBaseline: { runId: 'abcdef0123', sha: baseline.sha, check: { status } },
      }),
    );
    expect(withoutFooter(report).split('\n').at(-1)).toBe(
      `Commit \`c0ffee5\`. ⚠️ The baseline run \`abcdef01\` (\`3f78685\` on \`main\`) ${text}, so it was not used. ${HINT}`,
    );
  });

  it.each([
    ['forged', "does not carry trainbot's signature (it was set outside trainbot)"],
    ['unsigned', 'carries no signature, and a signing key is configured'],
    ['malformed', 'is not a value trainbot writes'],
  ] as const)('says under the baseline line that a %s baseline pointer was not used', (refusedPointer, text) => {
    const lines = reportBody(renderReport(input([run], { refusedPointer }))).split('\n');
    expect(lines.at(-3)).toMatch(/^Commit `c0ffee5` compared with the baseline /);
    expect(lines.slice(-2)).toEqual([
      '',
      `⚠️ The baseline pointer of \`main\` in MLflow ${text}, so trainbot did not use it and searched for the baseline instead. The next merge into \`main\` writes it again.`,
    ]);
  });

  it('says there is no baseline yet and how to make one', () => {
    expect(withoutFooter(renderReport(input([run], { baseline: undefined, runUrl: undefined }))))
      .toBe(`### trainbot: alpha=0.1 vs baseline

| Metric             | Baseline | This run |  Δ | Verdict       |
| :----------------- | -------: | -------: | -: | :------------ |
| **rmse** (primary) |        — |   0.6123 |    | — no baseline |
| mae                |        — |   0.5004 |    | — no baseline |
| r2                 |        — |   0.3000 |    | — no baseline |

Run \`trainbot-pr12-aaa\` with \`alpha=0.1 l1_ratio=0.5 seed=42\`.
Commit \`c0ffee5\`. **No baseline yet** for \`main\` with the default params. ${HINT}`);
  });

  it('shows why a run did not finish instead of a table, escaped', () => {
    const failed: RunResult = {
      ...run,
      state: 'timeout',
      reason: 'Stopped after the 30 minute limit | <script>alert(1)</script>',
      metrics: {},
    };
    expect(
      renderReport(input([failed]))
        .split('\n')
        .slice(2, 5),
    ).toEqual([
      '⌛ timed out: Stopped after the 30 minute limit \\| \\<script\\>alert(1)\\</script\\>',
      '',
      'Run [`trainbot-pr12-aaa`](http://mlflow.test/#/experiments/1/runs/r1) with `alpha=0.1 l1_ratio=0.5 seed=42`.',
    ]);
  });

  it('keeps hostile param values inside one code span: a longer fence than any backtick run, line breaks flattened', () => {
    const hostile: RunResult = { ...run, params: { solver: 'a`<img src=x onerror=alert(1)>`\n# b' } };
    expect(renderReport(input([hostile]))).toContain('with ``solver="a`<img src=x onerror=alert(1)>` # b"``.');
  });
});

describe('renderReport: a sweep', () => {
  const grid: [number, number, number | undefined][] = [
    [0.1, 0.2, 0.64],
    [0.1, 0.8, 0.6],
    [1, 0.2, 0.66],
    [1, 0.8, 0.6505],
    [2, 0.2, undefined],
    [2, 0.8, 0.7],
  ];
  const runs: RunResult[] = grid.map(([alpha, l1, rmse], i) =>
    rmse === undefined
      ? {
          name: `trainbot-pr12-r${i}`,
          runId: `id${i}`,
          params: { alpha, l1_ratio: l1, seed: 42 },
          state: 'failed',
          reason: 'The training process exited with code 3: `x` | <b>',
          metrics: {},
        }
      : { ...finished(`trainbot-pr12-r${i}`, { alpha, l1_ratio: l1, seed: 42 }, rmse), runId: `id${i}` },
  );

  // The chart under the table (render-chart.ts) has its own tests; these check the table and the footer.
  it('ranks six runs, marks the best, and lists the failed one last with its reason escaped', () => {
    const report = renderReport(
      input(runs, {
        title: 'trainbot sweep: 6 runs vs baseline',
        baseline: { ...baseline, startTime: NOW - 48.5 * HOUR },
      }),
    );
    const table = `### trainbot sweep: 6 runs vs baseline

5 of 6 runs finished, ranked by rmse (minimize).

|    # | alpha | l1_ratio | **rmse** |  Δ rmse |    mae |     r2 | Verdict                                                            | Run                                                               |
| ---: | ----: | -------: | -------: | ------: | -----: | -----: | :----------------------------------------------------------------- | :---------------------------------------------------------------- |
| 🏆 1 |   0.1 |      0.8 |   0.6000 | −0.0500 | 0.5000 | 0.3000 | ✅ better                                                          | [\`trainbot-pr12-r1\`](http://mlflow.test/#/experiments/1/runs/id1) |
|    2 |   0.1 |      0.2 |   0.6400 | −0.0100 | 0.5000 | 0.3000 | ✅ better                                                          | [\`trainbot-pr12-r0\`](http://mlflow.test/#/experiments/1/runs/id0) |
|    3 |     1 |      0.8 |   0.6505 | +0.0005 | 0.5000 | 0.3000 | ➖ unchanged                                                       | [\`trainbot-pr12-r3\`](http://mlflow.test/#/experiments/1/runs/id3) |
|    4 |     1 |      0.2 |   0.6600 | +0.0100 | 0.5000 | 0.3000 | ❌ worse                                                           | [\`trainbot-pr12-r2\`](http://mlflow.test/#/experiments/1/runs/id2) |
|    5 |     2 |      0.8 |   0.7000 | +0.0500 | 0.5000 | 0.3000 | ❌ worse                                                           | [\`trainbot-pr12-r5\`](http://mlflow.test/#/experiments/1/runs/id5) |
|    — |     2 |      0.2 |        — |         |      — |      — | ❌ failed: The training process exited with code 3: \\\`x\\\` \\| \\<b\\> | [\`trainbot-pr12-r4\`](http://mlflow.test/#/experiments/1/runs/id4) |`;
    expect(report.slice(0, table.length + 2)).toBe(`${table}\n\n`);
    expect(withoutFooter(report).split('\n').at(-1)).toBe(
      'Commit `c0ffee5` compared with the baseline [`3f78685`](http://mlflow.test/#/experiments/1/runs/b1) on `main`, trained 2 days ago.',
    );
  });

  it('lines every row up in a monospace view too, emoji and escaped pipes included', () => {
    const lines = tableLines(renderReport(input(runs)));
    expect(lines).toHaveLength(2 + runs.length);
    for (const line of lines) expect(pipeColumns(line)).toEqual(pipeColumns(lines[0] as string));
  });

  it('drops the padding rather than a row when one long reason would widen its column past the budget', () => {
    // Twenty runs (the default max_runs), one of them failed with a long reason: padded, every row would be as
    // wide as that reason (about 75,000 characters); unpadded, they all fit.
    const twenty = Array.from({ length: 20 }, (_, i) =>
      finished(`trainbot-pr12-${i}`, { alpha: i / 10, l1_ratio: 0.5, seed: 42 }, 0.6 + i / 1000),
    );
    const long: RunResult = {
      name: 'trainbot-pr12-x',
      runId: 'id-x',
      params: { alpha: 9, l1_ratio: 0.5, seed: 42 },
      state: 'failed',
      reason: 'y'.repeat(3500),
      metrics: {},
    };
    const report = renderReport(input([...twenty, long], { title: 'trainbot sweep: 21 runs vs baseline' }));
    expect(report.length).toBeLessThanOrEqual(REPORT_MAX_CHARS);
    expect(report.split('\n').filter((l) => l.includes('trainbot-pr12-'))).toHaveLength(21);
    expect(report).not.toContain('more runs, not shown');
    expect(report).toContain(
      '\n| # | alpha | **rmse** | Δ rmse | mae | r2 | Verdict | Run |\n| -: | -: | -: | -: | -: | -: | :- | :- |\n',
    );
  });

  it('escapes hostile param values from MLflow so they cannot split a cell, open a tag or run over a line', () => {
    const hostile = [
      finished('r-a', { alpha: 'a|b<script>x</script>`c`\nd', l1_ratio: 0.5, seed: 42 }, 0.6),
      finished('r-b', { alpha: 1, l1_ratio: 0.5, seed: 42 }, 0.7),
    ];
    const row = renderReport(input(hostile))
      .split('\n')
      .find((l) => l.includes('r-a'));
    expect(row).toContain('| a\\|b\\<script\\>x\\</script\\>\\`c\\` d |');
    // Eight cells (#, alpha, rmse, Δ rmse, mae, r2, Verdict, Run): nine unescaped pipes.
    expect(row?.split(/(?<!\\)\|/).length).toBe(10);
  });

  it.each([
    ['with a baseline', baseline],
    ['without a baseline (a longer footer)', undefined],
  ])(
    'keeps 500 runs %s under the comment budget, cutting whole rows and saying exactly how many were left out',
    (_, base) => {
      const many = Array.from({ length: 500 }, (_, i) =>
        finished(
          `trainbot-pr12-${String(i).padStart(12, '0')}`,
          { alpha: i / 100, l1_ratio: (i % 10) / 10, seed: i },
          0.5 + i / 10_000,
        ),
      );
      const report = renderReport(input(many, { title: 'trainbot sweep: 500 runs vs baseline', baseline: base }));
      expect(report.length).toBeLessThanOrEqual(REPORT_MAX_CHARS);
      const rows = report.split('\n').filter((l) => l.startsWith('| ') && l.includes('trainbot-pr12-'));
      expect(rows.length).toBeLessThan(500);
      // It cuts no more than it must: two more rows would not have fitted.
      expect(report.length + 2 * (rows[0]?.length ?? 0)).toBeGreaterThan(REPORT_MAX_CHARS);
      // The best runs are the ones kept: ranked first, cut from the end.
      expect(rows[0]).toContain('trainbot-pr12-000000000000');
      expect(rows.at(-1)).toContain(`trainbot-pr12-${String(rows.length - 1).padStart(12, '0')}`);
      const lines = withoutFooter(report).split('\n');
      const lastRow = lines.indexOf(rows.at(-1) as string);
      expect(lines.slice(lastRow + 1, lastRow + 3)).toEqual([
        '',
        `… and ${500 - rows.length} more runs, not shown to stay within GitHub's comment size; all are in MLflow.`,
      ]);
      expect(lines.at(-1)).toMatch(
        base ? /^Commit `c0ffee5` compared with the baseline / : /^Commit `c0ffee5`\. \*\*No baseline yet\*\*/,
      );
    },
  );
});

describe('formatDelta, formatNumber, formatAge, codeSpan', () => {
  it.each([
    [-0.0377, 4, '−0.0377'],
    [0.0004, 4, '+0.0004'],
    [0, 4, '±0.0000'],
    [-0.00004, 4, '±0.0000'],
    [0.00004, 4, '±0.0000'],
    [0.00005, 4, '+0.0001'],
    [-12.5, 0, '−13'],
    [undefined, 4, ''],
  ])('writes a delta of %p with %p digits as %j', (delta, digits, text) => {
    expect(formatDelta(delta, digits)).toBe(text);
  });

  it('writes a missing or non-finite value as a dash', () => {
    expect([
      formatNumber(undefined, 2),
      formatNumber(Number.NaN, 2),
      formatNumber(Number.POSITIVE_INFINITY, 2),
      formatNumber(1 / 3, 2),
    ]).toEqual(['—', '—', '—', '0.33']);
  });

  it.each([
    [0, 'just now'],
    [29_000, 'just now'],
    [31_000, '1 minute ago'],
    [59 * 60_000, '59 minutes ago'],
    [60 * 60_000, '1 hour ago'],
    [23.9 * HOUR, '23 hours ago'],
    [24 * HOUR, '1 day ago'],
    [400 * 24 * HOUR, '400 days ago'],
    [-5 * HOUR, 'just now'],
  ])('calls a baseline %p ms old %j', (age, text) => {
    expect(formatAge(NOW - age, NOW)).toBe(text);
  });

  it('keeps a code span closed whatever the text holds, and cuts it at 200 characters', () => {
    expect(codeSpan('a`b\nc\rd')).toBe('``a`b c d``');
    expect(codeSpan('``x')).toBe('``` ``x ```');
    expect(codeSpan('x'.repeat(300))).toBe(`\`${'x'.repeat(200)}\``);
  });
});
