// The comments trainbot posts, produced by the bot's own code: the `/train` and merge flows driven through
// the in-memory GitHub, MLflow and runner ports of the pipeline's unit tests, and the help renderer. Each
// sample says what a reader must see: its tables (rows × columns), its collapsed <details> blocks and its
// Mermaid charts. Used by the rendering test and by `npm run screenshots`.
import { renderHelp } from '../../src/commands/help.js';
import { markedBody } from '../../src/github/comment-marker.js';
import { mergeKey, onPullRequestClosed } from '../../src/pipeline/on-pr-closed.js';
import { onTrainComment, statusKey } from '../../src/pipeline/on-train-comment.js';
import type { JobSpec, RunHandle, RunOutcome, Runner } from '../../src/runners/runner.js';
import type { RunResult } from '../../src/report/compare.js';
import { renderReport } from '../../src/report/render-report.js';
import { originTags } from '../../src/runs/run-contract.js';
import { repoConfig } from '../unit/config/repo-config.js';
import { MemoryGitHub, MemoryTracking, silentLog } from '../unit/pipeline/memory-ports.js';
import { commentEvent } from './comment-event.js';
import type { RenderedSample, Sample } from './github-view.js';
import { claimInProcess, releaseInProcess } from '../../src/runners/in-process-claims.js';

export interface Expected {
  tables: { rows: number; columns: number }[]; // rows include the header row
  details: { summary: RegExp; codeBlocks: number }[]; // in order
  mermaid: number[]; // each chart that must draw: its number of lines
  lastBlock: RegExp; // the comment's last block, as `TAG: text` (its last 200 characters)
}

export interface CommentSample extends Sample {
  title: string;
  expected: Expected;
  /** Whether docs/screenshots shows it (a page of logs teaches a reader nothing the failure sample does not). */
  screenshot: boolean;
}

const REPO = 'acme/models';
const NOW = Date.UTC(2026, 10, 29, 12);
const runUrl = (experimentId: string, runId: string) =>
  `https://mlflow.example.test/#/experiments/${experimentId}/runs/${runId}`;

/** A plausible error surface for a linear model: rmse falls with alpha towards 0.5, then rises. */
function metricsFor(args: readonly string[]): Record<string, number> {
  const flag = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const alpha = flag('alpha', 0.5);
  const l1 = flag('l1-ratio', flag('l1_ratio', 0.5));
  // Each seed is another split; seed 42, the default, adds nothing, so the samples without repeats are unchanged.
  const split = [0, 0.012, -0.008][flag('seed', 42) - 42] ?? 0;
  const rmse = 0.64 + 0.05 * (alpha - 0.5) ** 2 + 0.02 * l1 + split + 0.001 * alpha * (flag('seed', 42) - 42);
  return { rmse, mae: rmse * 0.78, r2: 0.95 - rmse };
}

const TRACEBACK = [
  'Loading data/winequality-red.csv (1599 rows)',
  'Fitting ElasticNet(alpha=5, l1_ratio=0.5)',
  'Traceback (most recent call last):',
  '  File "/app/train.py", line 88, in <module>',
  '    main()',
  '  File "/app/train.py", line 71, in main',
  '    raise ValueError(f"model did not converge in {max_iter} iterations")',
  'ValueError: model did not converge in 1000 iterations',
].join('\n');

interface Script {
  fails?: (spec: JobSpec) => boolean;
  reason?: string; // why a failed run failed, as the runner says it
  log?: string; // the end of a failed run's output
}

/** Runs that end as the training container would: metrics logged from their flags, or a failure with a log. */
class FixtureRunner implements Runner {
  private readonly specs = new Map<string, JobSpec>();
  constructor(
    private readonly tracking: MemoryTracking,
    private readonly script: Script = {},
  ) {}

  async dispatch(spec: JobSpec): Promise<RunHandle> {
    this.specs.set(spec.name, spec);
    return { name: spec.name };
  }
  async wait(handle: RunHandle): Promise<RunOutcome> {
    const spec = this.specs.get(handle.name) as JobSpec;
    // As a cluster runs it: the image by digest, and the data set train.py logs (mlflow.log_input).
    const image = `ghcr.io/octo-org/wine/trainbot-training@sha256:${'4f2a9c1e'.repeat(8)}`;
    if (this.script.fails?.(spec))
      return { status: 'failed', reason: this.script.reason ?? 'The training process exited with code 1.', image };
    const runId = spec.env.MLFLOW_RUN_ID as string;
    this.tracking.finish(runId, metricsFor(spec.args));
    const run = this.tracking.runs.find((r) => r.info.runId === runId);
    if (run) run.datasets = [{ name: 'winequality-red', digest: '9e3cd6ce' }];
    return { status: 'succeeded', image };
  }
  async logs(): Promise<string> {
    return this.script.log ?? TRACEBACK;
  }
  async cancel(): Promise<void> {}
  async active(): Promise<RunHandle[]> {
    return [];
  }
  claim(key: string): Promise<boolean> {
    return claimInProcess(key);
  }
  release(key: string): Promise<void> {
    return releaseInProcess(key);
  }
}

/** An MLflow holding yesterday's baseline of main, as a merge trains it. */
async function trackingWithBaseline(): Promise<MemoryTracking> {
  const tracking = new MemoryTracking();
  const baseline = await tracking.createRun({
    experimentId: '1',
    runName: 'trainbot-baseline-1f3a9c2',
    startTime: NOW - 26 * 3_600_000,
    tags: originTags({
      repo: REPO,
      sha: '1f3a9c2'.padEnd(40, '0'),
      branch: 'main',
      request: 'merge-6',
      role: 'baseline',
      params: 'alpha=0.5 l1_ratio=0.5 seed=42',
    }),
  });
  tracking.finish(baseline.info.runId, { rmse: 0.6612, mae: 0.5148, r2: 0.2931 });
  // The same merge trained seeds 43 and 44 too (`repeats: 3`), for the requests with repeats to pair with.
  for (const [seed, rmse] of [
    [43, 0.6732],
    [44, 0.6532],
  ] as const) {
    const repeat = await tracking.createRun({
      experimentId: '1',
      runName: `trainbot-baseline-1f3a9c2-${seed}`,
      startTime: NOW - 26 * 3_600_000,
      tags: originTags({
        repo: REPO,
        sha: '1f3a9c2'.padEnd(40, '0'),
        branch: 'main',
        request: 'merge-6',
        role: 'baseline',
        params: `alpha=0.5 l1_ratio=0.5 seed=${seed}`,
      }),
    });
    tracking.finish(repeat.info.runId, { rmse, mae: rmse * 0.78, r2: 0.95 - rmse });
  }
  return tracking;
}

/** The body of the comment `body` leaves, as the GitHub adapter posts it (src/github/comment-marker.ts). */
async function trainComment(body: string, script?: Script): Promise<string> {
  const github = new MemoryGitHub();
  github.pr = { ...github.pr, number: 7, headSha: '9b2e4d1'.padEnd(40, 'f') };
  const tracking = await trackingWithBaseline();
  const runner = new FixtureRunner(tracking, script);
  const commentId = 1001;
  await onTrainComment(commentEvent(commentId, body, { repo: REPO, issueNumber: 7 }), {
    github,
    tracking,
    runnerFor: () => runner,
    log: silentLog,
    runUrl,
    now: () => NOW,
    commentIntervalMs: 0,
  }).catch(() => undefined); // a failed run rejects once the PR was told; the comment is what is shown
  const living = github.living.get(statusKey(commentId));
  if (living !== undefined) return markedBody(statusKey(commentId), living);
  const answer = github.answers.at(-1);
  if (answer === undefined) throw new Error(`${body} left no comment`);
  return answer;
}

async function mergeReport(): Promise<string> {
  const github = new MemoryGitHub();
  const tracking = await trackingWithBaseline();
  // Two older baselines of main, so the report's trend has a history before yesterday's and the new one.
  for (const [days, sha, rmse] of [
    [3, '7d41e0b', 0.6702],
    [2, '0c9a5f3', 0.6655],
  ] as const) {
    const older = await tracking.createRun({
      experimentId: '1',
      runName: `trainbot-baseline-${sha}`,
      startTime: NOW - days * 24 * 3_600_000,
      tags: originTags({
        repo: REPO,
        sha: sha.padEnd(40, '0'),
        branch: 'main',
        request: `merge-${days}`,
        role: 'baseline',
        params: 'alpha=0.5 l1_ratio=0.5 seed=42',
      }),
    });
    tracking.finish(older.info.runId, { rmse, mae: rmse * 0.78, r2: 0.95 - rmse });
  }
  tracking.clock = NOW; // the refresh starts now, after every seeded run
  const runner = new FixtureRunner(tracking);
  const candidates: [string, number][] = [
    ['alpha=0.1 l1_ratio=0.2 seed=42', 0.6388],
    ['alpha=0.5 l1_ratio=0.2 seed=42', 0.6371],
    ['alpha=1 l1_ratio=0.8 seed=42', 0.6689],
  ];
  for (const [i, [params, rmse]] of candidates.entries()) {
    const run = await tracking.createRun({
      experimentId: '1',
      runName: `trainbot-pr7-${i}`,
      startTime: NOW - 3_600_000 + i,
      tags: originTags({
        repo: REPO,
        sha: '9b2e4d1'.padEnd(40, 'f'),
        pr: 7,
        branch: 'tune-alpha',
        request: '1001',
        role: 'candidate',
        params,
      }),
    });
    tracking.finish(run.info.runId, { rmse, mae: rmse * 0.78, r2: 0.95 - rmse });
  }
  await onPullRequestClosed(
    { repo: REPO, number: 7, merged: true, mergeCommitSha: '5c7d0e8'.padEnd(40, 'a'), baseRef: 'main' },
    { github, tracking, runnerFor: () => runner, log: silentLog, runUrl, now: () => NOW },
  );
  const comment = github.living.get(mergeKey(7));
  if (comment === undefined) throw new Error('the merge left no comment');
  return markedBody(mergeKey(7), comment);
}

// Every report closes with its reproducibility footer (src/report/render-footer.ts): a <details> block of code
// spans, no code block, ending with the command that repeats the runs on the developer's machine.
const FOOTER = { summary: /^Reproduce (this run|these \d+ runs)$/, codeBlocks: 0 };
const ENDS_WITH_FOOTER = /^DETAILS: .* seed=42'$/s; // the end of `trainbot run '/train … seed=42'`

/**
 * A sweep of max_runs runs that all fail with a long log: the logs do not all fit in one comment, so whole
 * ones are left out and the comment ends by saying so (not inside a cut-off code block).
 */
async function failuresAtTheLimit(): Promise<CommentSample> {
  const log = Array.from({ length: 200 }, (_, i) => `step ${i}: ${'loss did not improve; '.repeat(20)}`).join('\n');
  const markdown = await trainComment('/train alpha=0.1,0.2,0.3,0.4,0.5 l1_ratio=0.1,0.2,0.3,0.4', {
    fails: () => true,
    log,
  });
  const logs = markdown.split('<details><summary>Last lines of ').length - 1;
  return {
    name: 'failures-at-the-limit',
    title: 'Twenty failed runs with long logs: as many logs as fit in one comment',
    screenshot: false,
    markdown,
    expected: {
      tables: [{ rows: 1 + 20, columns: SWEEP_COLUMNS }],
      details: [
        FOOTER,
        ...Array.from({ length: logs }, () => ({
          summary: /^Last lines of trainbot-pr7-[0-9a-f]+$/,
          codeBlocks: 1,
        })),
      ],
      mermaid: [],
      lastBlock: new RegExp(
        `^P: The logs of ${20 - logs} more failed runs are not shown, to stay within GitHub's comment size\\.$`,
      ),
    },
  };
}

/**
 * A run whose failure reason and log try to break out of the markdown: a reason comes from the runner (a
 * container's termination message included), a log from the code under test. Both must stay text.
 */
async function hostileFailure(): Promise<CommentSample> {
  const markdown = await trainComment('/train alpha=0.1,0.5,1', {
    fails: (spec) => spec.args.includes('1'),
    reason:
      'exit 1 | <img src=x onerror=alert(1)> <script>alert(2)</script> `x` **y** [z](javascript:alert(3))\n# heading',
    log: 'ok\n</details><img src=x onerror=alert(1)>\n```\n# not a heading\n<script>alert(1)</script>\n| a | b |\n| - | - |',
  });
  return {
    name: 'hostile-failure',
    title: 'A failure whose reason and log hold markdown and HTML',
    screenshot: false,
    markdown,
    expected: {
      tables: [{ rows: 1 + 3, columns: SWEEP_COLUMNS - 1 }], // one swept param
      details: [FOOTER, { summary: /^Last lines of trainbot-pr7-[0-9a-f]+$/, codeBlocks: 1 }],
      mermaid: [1],
      lastBlock: /^DETAILS: .*\n<script>alert\(1\)<\/script>\n\| a \| b \|\n\| - \| - \|$/s,
    },
  };
}

/**
 * The largest sweep the config allows (limits.max_runs at most 1,000): 125 alphas × 8 l1_ratios. The table is
 * cut to the comment's budget after whole rows, with a line saying how many are left out; the chart has all
 * 1,000 points on 8 lines. Rendered by the report's own function: the flow would redraw it a thousand times.
 */
function sweepAtTheLimit(): CommentSample {
  const runs: RunResult[] = Array.from({ length: 1000 }, (_, i) => {
    const params = {
      alpha: Number(((i % 125) / 25).toFixed(2)),
      l1_ratio: Number((Math.floor(i / 125) / 8).toFixed(3)),
      seed: 42,
    };
    const metrics = metricsFor(['--alpha', String(params.alpha), '--l1-ratio', String(params.l1_ratio)]);
    return {
      name: `trainbot-pr7-${i.toString(16).padStart(12, '0')}`,
      runId: `run-${i}`,
      params,
      state: 'finished',
      metrics,
    };
  });
  const body = renderReport({
    title: 'trainbot sweep: 1000 runs vs baseline',
    runs,
    config: repoConfig(),
    now: NOW,
    noBaselineHint: 'Merge a pull request to start one.',
    runUrl: (runId) => runUrl('1', runId),
  });
  const markdown = markedBody('train-1002', body);
  const shown = markdown.split('\n').filter((l) => l.startsWith('| ') && l.includes('trainbot-pr7-')).length;
  return {
    name: 'sweep-at-the-limit',
    title: 'A sweep of 1,000 runs: the rows that fit, and the chart of all of them',
    screenshot: false,
    markdown,
    expected: {
      tables: [{ rows: 1 + shown, columns: SWEEP_COLUMNS }],
      details: [FOOTER],
      mermaid: [8],
      lastBlock: ENDS_WITH_FOOTER,
    },
  };
}

// Columns of the repository config's reports: a single run's table, and a sweep's over two swept params.
const SINGLE_COLUMNS = 5; // Metric, Baseline, This run, Δ, Verdict
const SWEEP_COLUMNS = 1 + 2 + 2 + 2 + 2; // #, alpha and l1_ratio, rmse and Δ rmse, mae and r2, Verdict and Run
const METRIC_ROWS = 1 + 3; // header, rmse, mae, r2

/** Every kind of comment trainbot posts, rendered from the repository's own `.github/trainbot.yml`. */
export async function commentSamples(): Promise<CommentSample[]> {
  const config = repoConfig();
  return [
    {
      name: 'single-run',
      screenshot: true,
      title: '`/train alpha=0.1`',
      markdown: await trainComment('/train alpha=0.1'),
      expected: {
        tables: [{ rows: METRIC_ROWS, columns: SINGLE_COLUMNS }],
        details: [FOOTER],
        mermaid: [],
        lastBlock: ENDS_WITH_FOOTER,
      },
    },
    {
      name: 'sweep',
      screenshot: true,
      title: '`/train alpha=0.1,0.5,1 l1_ratio=0.2,0.8`: a sweep with its chart',
      markdown: await trainComment('/train alpha=0.1,0.5,1 l1_ratio=0.2,0.8'),
      expected: {
        tables: [{ rows: 1 + 6, columns: SWEEP_COLUMNS }],
        details: [FOOTER],
        mermaid: [2],
        lastBlock: ENDS_WITH_FOOTER,
      },
    },
    {
      name: 'failure',
      screenshot: true,
      title: 'A run that failed, with the end of its log',
      markdown: await trainComment('/train alpha=5', { fails: () => true }),
      expected: {
        tables: [],
        details: [FOOTER, { summary: /^Last lines of trainbot-pr7-[0-9a-f]+$/, codeBlocks: 1 }],
        mermaid: [],
        lastBlock: /^DETAILS: .*\nValueError: model did not converge in 1000 iterations$/s,
      },
    },
    {
      name: 'merge-report',
      screenshot: true,
      title: 'The final report when the pull request is merged',
      markdown: await mergeReport(),
      expected: {
        tables: [
          { rows: METRIC_ROWS, columns: SINGLE_COLUMNS },
          { rows: METRIC_ROWS, columns: SINGLE_COLUMNS },
        ],
        // The best run's footer, the list of runs, then the new baseline's footer at the end.
        details: [FOOTER, { summary: /^All 3 runs of this pull request$/, codeBlocks: 0 }, FOOTER],
        mermaid: [1], // the trend of main's baselines
        lastBlock: ENDS_WITH_FOOTER,
      },
    },
    {
      name: 'repeats-sweep',
      screenshot: false,
      title: '`/train alpha=0.1,0.5,1 repeats=3`: mean ± sd, paired verdicts, bars with min and max lines',
      markdown: await trainComment('/train alpha=0.1,0.5,1 repeats=3'),
      expected: {
        tables: [{ rows: 1 + 3, columns: 1 + 1 + 2 + 2 + 2 }], // #, alpha, rmse and Δ, mae and r2, Verdict and Run
        details: [FOOTER],
        mermaid: [2], // the min and max lines (the mean is drawn as bars)
        lastBlock: /^DETAILS: .*trainbot run '\/train alpha=0\.1,0\.5,1 l1_ratio=0\.5 repeats=3'$/s, // repeats, not seed lists
      },
    },
    sweepAtTheLimit(),
    await failuresAtTheLimit(),
    await hostileFailure(),
    {
      name: 'help',
      screenshot: true,
      title: '`/train help`',
      markdown: renderHelp(config),
      expected: {
        tables: [{ rows: 1 + Object.keys(config.params).length, columns: 5 }],
        details: [],
        mermaid: [],
        lastBlock: /^TABLE: .*Seed of the train\/test split\.$/s,
      },
    },
  ];
}

/** Everything that rendered differently from what a reader must see; empty when the comment reads right. */
export function renderingProblems(expected: Expected, rendered: RenderedSample): string[] {
  const problems: string[] = [];
  if (rendered.tables.length !== expected.tables.length)
    problems.push(`${rendered.tables.length} tables rendered, ${expected.tables.length} expected`);
  expected.tables.forEach((want, i) => {
    const got = rendered.tables[i];
    if (!got) return;
    if (got.rows !== want.rows || got.columns !== want.columns)
      problems.push(`table ${i + 1} is ${got.rows}×${got.columns}, ${want.rows}×${want.columns} expected`);
    if (got.cellsPerRow.some((n) => n !== got.columns))
      problems.push(`table ${i + 1} has rows of ${got.cellsPerRow.join(', ')} cells`);
  });
  for (const text of rendered.strayTableText) problems.push(`table text outside a table: ${text.slice(0, 60)}`);
  if (rendered.details.length !== expected.details.length)
    problems.push(`${rendered.details.length} <details> rendered, ${expected.details.length} expected`);
  expected.details.forEach((want, i) => {
    const got = rendered.details[i];
    if (!got) return;
    if (got.summary === null || !want.summary.test(got.summary))
      problems.push(`<details> ${i + 1} has the summary ${JSON.stringify(got.summary)}`);
    if (got.codeBlocks !== want.codeBlocks)
      problems.push(`<details> ${i + 1} holds ${got.codeBlocks} code blocks, ${want.codeBlocks} expected`);
  });
  for (const text of rendered.strayMarkup) problems.push(`markup shown as text: ${text}`);
  for (const html of rendered.unexpectedElements) problems.push(`an element trainbot never writes: ${html}`);
  if (rendered.mermaid.length !== expected.mermaid.length)
    problems.push(`${rendered.mermaid.length} Mermaid charts, ${expected.mermaid.length} expected`);
  rendered.mermaid.forEach((chart, i) => {
    if (chart.error !== null) problems.push(`chart ${i + 1}: Mermaid reports ${chart.error.split('\n')[0]}`);
    else if (!chart.svg) problems.push(`chart ${i + 1} drew no svg`);
    else if (chart.lines !== expected.mermaid[i])
      problems.push(`chart ${i + 1} draws ${chart.lines} lines, ${expected.mermaid[i]} expected`);
  });
  if (!expected.lastBlock.test(rendered.lastBlock))
    problems.push(`the comment ends with ${rendered.lastBlock.slice(0, 100)}`);
  return problems;
}
