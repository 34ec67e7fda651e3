// The comment a merged pull request gets (src/pipeline/on-pr-closed.ts): its best run against the baseline
// that was current when that run started, every run in a collapsed list, the trend of the baseline branch's
// baselines (render-trend.ts), then the baseline refresh as it goes. Pure.
import { groupRepeats } from './group-repeats.js';
import type { TrainbotConfig } from '../config/config-types.js';
import { paramsKey } from '../runs/plan.js';
import type { RejectedBaseline } from './changed-run.js';
import { type Baseline, type RunResult, rankRuns } from './compare.js';
import { codeSpan, escapeMarkdown } from './markdown-escape.js';
import { formatNumber, renderReport } from './render-report.js';
import { type RegistryOutcome, renderRegistry } from './render-registry.js';
import { type TrendPoint, renderTrend } from './render-trend.js';

/** Runs listed one per line at most; a PR with more gets a count and a pointer to MLflow. */
export const LISTED_RUNS_MAX = 150;

/** One line per run, best first: enough to find any of them in MLflow. */
export function runList(
  runs: readonly RunResult[],
  config: TrainbotConfig,
  link: (runId: string) => string | undefined,
): string {
  const primary = config.primaryMetric;
  const digits = config.metrics[primary]?.digits ?? 4;
  const lines = rankRuns(runs, config)
    .slice(0, LISTED_RUNS_MAX)
    .map((r, i) => {
      const url = r.runId ? link(r.runId) : undefined;
      const name = url ? `[${codeSpan(r.name)}](${url})` : codeSpan(r.name);
      const outcome =
        r.state === 'finished'
          ? `${primary} ${formatNumber(r.metrics[primary], digits)}${r.repeats ? ` (mean of ${r.repeats.length} seeds)` : ''}`
          : `${r.state}${r.reason ? `: ${escapeMarkdown(r.reason)}` : ''}`;
      return `${i + 1}. ${name} ${codeSpan(paramsKey(r.params))}: ${outcome}`;
    });
  const cut = runs.length - lines.length;
  return cut > 0 ? `${lines.join('\n')}\n\n… and ${cut} more; all are in MLflow.` : lines.join('\n');
}

/** Where the baseline refresh is; `done` carries the new baseline's report against the previous one. */
export type Refresh =
  | { kind: 'other-branch'; baseRef: string }
  | { kind: 'training'; sha: string; params: string }
  | { kind: 'failed'; sha: string; reason?: string }
  | { kind: 'done'; sha: string; report: string; registry?: RegistryOutcome };

export interface MergeReportInput {
  pr: number;
  baseRef: string;
  runs: readonly RunResult[]; // the PR's candidate runs
  /** The baseline the best run was compared with when it started (undefined: there was none). */
  compared?: Baseline;
  /** A baseline that was current then but whose metrics were changed afterwards, so it was not compared with. */
  comparedRejected?: RejectedBaseline;
  /** The commit the best run trained. */
  bestSha?: string;
  config: TrainbotConfig;
  now: number;
  link: (runId: string) => string | undefined;
  refresh: Refresh;
  /** The newest baselines of the baseline branch, newest first (the refreshed one too once it finished). */
  trend?: readonly TrendPoint[];
}

function refreshText(input: MergeReportInput): string {
  const { refresh, config } = input;
  const branch = codeSpan(input.baseRef);
  switch (refresh.kind) {
    case 'other-branch':
      return `This pull request was merged into ${branch}, not the baseline branch ${codeSpan(config.baselineBranch)} (\`baseline_branch\` in \`.github/trainbot.yml\`), so no new baseline is trained; reports keep comparing with the baseline of ${codeSpan(config.baselineBranch)}.`;
    case 'training':
      return `⏳ Training the new baseline of ${branch} on the merge commit ${codeSpan(refresh.sha.slice(0, 7))} with the default params (${codeSpan(refresh.params)}).`;
    case 'failed': {
      const why = refresh.reason ? `: ${escapeMarkdown(refresh.reason).replace(/\.?$/, '.')}` : '.';
      return `❌ The new baseline of ${branch} on ${codeSpan(refresh.sha.slice(0, 7))} did not finish${why} Reports keep comparing with the previous baseline until the next merge trains one.`;
    }
    case 'done': {
      const done = `✅ New baseline of ${branch} on ${codeSpan(refresh.sha.slice(0, 7))}:\n\n${refresh.report}`;
      return refresh.registry ? `${done}\n\n${renderRegistry(refresh.registry, config)}` : done;
    }
  }
}

export function renderMergeReport(input: MergeReportInput): string {
  const { runs, config } = input;
  // Repeats of one params set are one point, ranked by their mean (group-repeats.ts).
  const points = groupRepeats(runs, config);
  const best = rankRuns(points, config)[0];
  const plural = runs.length === 1 ? '' : 's';
  const counted =
    points.length === runs.length ? `${runs.length} run${plural}` : `${points.length} points (${runs.length} runs)`;
  const head = [`### trainbot: final report for #${input.pr}`, ''];
  if (!best) head.push('No trainbot runs were made on this pull request.');
  else if (best.state !== 'finished') head.push(`None of its ${counted} finished.`);
  else {
    head.push(`Best of ${counted}:`, '');
    head.push(
      renderReport({
        title: `${paramsKey(best.params)} vs baseline`,
        headingLevel: 4,
        // Its runs as they came (repeats not yet joined): the report joins them, and its footer names the seeds.
        runs: best.repeats ? runs.filter((r) => best.repeats?.some((x) => x.runId === r.runId)) : [best],
        baseline: input.compared,
        config,
        now: input.now,
        runUrl: input.link,
        noBaselineHint: 'There was no baseline when this run started.',
        sha: input.bestSha,
        rejectedBaseline: input.comparedRejected,
      }),
    );
  }
  if (points.length > 1)
    head.push(
      '',
      `<details><summary>All ${counted} of this pull request</summary>`,
      '',
      runList(points, config, input.link),
      '',
      '</details>',
    );
  const trend = input.trend ? renderTrend(input.trend, config) : undefined;
  if (trend) head.push('', trend);
  return `${head.join('\n')}\n\n#### Baseline refresh\n\n${refreshText(input)}`;
}
