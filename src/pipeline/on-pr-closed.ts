// A pull request was closed (DESIGN.md "Who uses it": merging gives a final report and a baseline refresh).
//   merged:     1. config from the base branch   2. the PR's runs in one paged search, the best candidate and
//               the baseline it was compared with   3. one final comment   4. train the new baseline on the
//               merge commit   5. its result appended to the same comment
//               (a merge into another branch than baseline_branch gets the report and no refresh)
//   not merged: nothing starts; the PR's runs still going are cancelled.
import { escapeMarkdown } from '../commands/quote-input.js';
import { parseConfig } from '../config/load-config.js';
import type { TrainbotConfig } from '../config/config-types.js';
import type { GitHubPort } from '../github/github-port.js';
import { type RunResult, type RunState, rankRuns } from '../report/compare.js';
import { codeSpan, formatNumber, renderReport } from '../report/render-report.js';
import { JOB_LABELS, labelValue } from '../runs/job-spec.js';
import { type ParamValue, paramsKey, planBaseline } from '../runs/plan.js';
import { RUN_TAGS } from '../runs/run-contract.js';
import type { Runner } from '../runners/runner.js';
import { findBaseline, findPullRequestRuns, findRequestRuns } from '../tracking/run-queries.js';
import { type RoleExperiments, ensureRoleExperiments } from '../tracking/role-experiments.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import type { ImageWait } from './await-image.js';
import { executeRuns } from './execute-runs.js';
import type { Logger } from './on-train-comment.js';
import { type RequestTracking, toBaseline } from './run-request.js';

export interface PullRequestClosedEvent {
  repo: string;                      // owner/name
  number: number;
  merged: boolean;
  mergeCommitSha: string | null;
  baseRef: string;
}

export interface PullRequestClosedDeps {
  github: Pick<GitHubPort, 'readConfig' | 'upsertComment' | 'createComment'>;
  tracking: RequestTracking;
  runnerFor: (config: TrainbotConfig) => Runner;
  log: Logger;
  runUrl?: (experimentId: string, runId: string) => string;
  now?: () => number;
  secrets?: readonly string[];       // hidden in the log tail of a failed baseline run
  /** Pin the baseline's Job to the digest CI pushed for the merge commit, waiting for its build. */
  images?: ImageWait;
}

/** Runs listed one per line at most; a PR with more gets a count and a pointer to MLflow. */
export const LISTED_RUNS_MAX = 150;
export const mergeKey = (pr: number) => `merge-${pr}`;

const STATE_OF: Record<string, RunState> = { FINISHED: 'finished', FAILED: 'failed', KILLED: 'cancelled', RUNNING: 'running', SCHEDULED: 'queued' };
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;
const inFlight = new Set<string>();

/** The params a run was planned with, read back from its trainbot.params tag (`k=v k=v`). */
export function paramsFromTag(tag: string, config: TrainbotConfig): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const pair of tag.split(' ').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const [name, raw] = [pair.slice(0, eq), pair.slice(eq + 1)];
    params[name] = config.params[name]?.type !== 'string' && NUMBER.test(raw) ? Number(raw) : raw;
  }
  return params;
}

/** A run as a report row; MLflow keeps no reason for a failure, so the row points at the run instead. */
export function toRunResult(run: TrackedRun, config: TrainbotConfig): RunResult {
  const state = STATE_OF[run.info.status] ?? 'failed';
  const reason = state === 'failed' ? 'The run ended FAILED; its MLflow page has the details.' : state === 'cancelled' ? 'The run was cancelled.' : undefined;
  return {
    name: run.info.runName, runId: run.info.runId, params: paramsFromTag(run.tags[RUN_TAGS.params] ?? '', config), state,
    ...(reason ? { reason } : {}), metrics: run.metrics,
  };
}

async function cancelPullRequestRuns(event: PullRequestClosedEvent, runner: Runner): Promise<number> {
  const active = await runner.active({ [JOB_LABELS.repo]: labelValue(event.repo.replace('/', '.')), [JOB_LABELS.pr]: String(event.number) });
  await Promise.all(active.map((h) => runner.cancel(h)));
  return active.length;
}

/** One line per run, best first: enough to find any of them in MLflow. */
export function runList(runs: readonly RunResult[], config: TrainbotConfig, link: (runId: string) => string | undefined): string {
  const primary = config.primaryMetric;
  const digits = config.metrics[primary]?.digits ?? 4;
  const lines = rankRuns(runs, config).slice(0, LISTED_RUNS_MAX).map((r, i) => {
    const url = r.runId ? link(r.runId) : undefined;
    const name = url ? `[${codeSpan(r.name)}](${url})` : codeSpan(r.name);
    const outcome = r.state === 'finished' ? `${primary} ${formatNumber(r.metrics[primary], digits)}` : `${r.state}${r.reason ? `: ${escapeMarkdown(r.reason)}` : ''}`;
    return `${i + 1}. ${name} ${codeSpan(paramsKey(r.params))}: ${outcome}`;
  });
  const cut = runs.length - lines.length;
  return cut > 0 ? `${lines.join('\n')}\n\n… and ${cut} more; all are in MLflow.` : lines.join('\n');
}

export async function onPullRequestClosed(event: PullRequestClosedEvent, deps: PullRequestClosedDeps): Promise<void> {
  const { github, tracking, log } = deps;
  // 1. The base branch's config: without one trainbot never ran here, so there is nothing to report or cancel.
  const text = await github.readConfig(event.baseRef);
  if (text === undefined) return;
  const loaded = parseConfig(text);
  if (!loaded.ok) return log.info(`#${event.number} closed; the config on ${event.baseRef} does not load, so nothing to do`);
  const { config } = loaded;
  const runner = deps.runnerFor(config);

  if (!event.merged) {
    const cancelled = await cancelPullRequestRuns(event, runner);
    if (cancelled > 0) await github.createComment(event.number, `This pull request was closed without merging, so trainbot cancelled its ${cancelled} running run${cancelled === 1 ? '' : 's'}.`);
    return;
  }
  if (!event.mergeCommitSha) return log.info(`#${event.number} merged without a merge commit sha; no baseline refresh`);

  const request = mergeKey(event.number);
  const requestKey = `${event.repo}#${request}`;
  if (inFlight.has(requestKey)) return;
  inFlight.add(requestKey);
  try {
    const experiments = await ensureRoleExperiments(tracking, config);
    // The merge's baseline run is the mark that this merge was handled; it lives among the baselines.
    if ((await findRequestRuns(tracking, { experimentId: experiments.baselines, repo: event.repo, request }, 1)).runs.length > 0) {
      return log.info(`merge of #${event.number} was already handled; redelivery ignored`);
    }
    await report(event, deps, config, experiments, runner);
  } finally {
    inFlight.delete(requestKey);
  }
}

async function report(event: PullRequestClosedEvent, deps: PullRequestClosedDeps, config: TrainbotConfig, experiments: RoleExperiments, runner: Runner): Promise<void> {
  const { github, tracking } = deps;
  const now = deps.now ?? Date.now;
  const experimentId = experiments.candidates;
  const link = (runId: string) => deps.runUrl?.(experimentId, runId);
  const baselineLink = (runId: string) => deps.runUrl?.(experiments.baselines, runId);
  const baselineParams = planBaseline(config).paramsKey;
  // Reports compare with the baseline branch's baseline, whatever branch the PR went into (as /train does).
  const query = { experimentId: experiments.baselines, repo: event.repo, branch: config.baselineBranch, params: baselineParams };

  // 2. Every run of the PR in one paged search; the best candidate against the baseline that was current when it
  // started (a later merge may have replaced it since).
  const tracked = (await findPullRequestRuns(tracking, { experimentId, repo: event.repo, pr: event.number })).runs
    .filter((r) => r.tags[RUN_TAGS.role] === 'candidate');
  const runs = tracked.map((r) => toRunResult(r, config));
  const best = rankRuns(runs, config)[0];
  const bestStart = tracked.find((r) => r.info.runId === best?.runId)?.info.startTime;
  const compared = best?.state === 'finished' && bestStart !== undefined
    ? toBaseline(await findBaseline(tracking, { ...query, startedBefore: bestStart }))
    : undefined;
  const previous = toBaseline(await findBaseline(tracking, query));

  // 3. The final comment, with the refresh under way.
  const sha = codeSpan(event.mergeCommitSha?.slice(0, 7) ?? '');
  const hint = 'There was no baseline when this run started.';
  const head = [`### trainbot: final report for #${event.number}`, ''];
  if (!best) head.push('No trainbot runs were made on this pull request.');
  else if (best.state !== 'finished') head.push(`None of its ${runs.length} run${runs.length === 1 ? '' : 's'} finished.`);
  else {
    head.push(`Best of ${runs.length} run${runs.length === 1 ? '' : 's'}:`, '');
    head.push(renderReport({ title: `${paramsKey(best.params)} vs baseline`, runs: [best], baseline: compared, config, now: now(), runUrl: (id) => (id === compared?.runId ? baselineLink : link)(id), noBaselineHint: hint }).replace(/^### /, '#### '));
  }
  if (runs.length > 1) head.push('', `<details><summary>All ${runs.length} runs of this pull request</summary>`, '', runList(runs, config, link), '', '</details>');
  const body = (refresh: string) => `${head.join('\n')}\n\n#### Baseline refresh\n\n${refresh}`;
  const key = mergeKey(event.number);
  // Only a merge into the baseline branch makes a baseline: a run of `release-1` would never be compared with.
  if (event.baseRef !== config.baselineBranch) {
    await github.upsertComment(event.number, key, body(`This pull request was merged into ${codeSpan(event.baseRef)}, not the baseline branch ${codeSpan(config.baselineBranch)} (\`baseline_branch\` in \`.github/trainbot.yml\`), so no new baseline is trained; reports keep comparing with the baseline of ${codeSpan(config.baselineBranch)}.`));
    return;
  }
  await github.upsertComment(event.number, key, body(`⏳ Training the new baseline of ${codeSpan(event.baseRef)} on the merge commit ${sha} with the default params (${codeSpan(baselineParams)}).`));

  // 4–5. The baseline refresh, and its result in the same comment.
  const [refreshed] = await executeRuns({
    plans: [planBaseline(config)], config, tracking, runner, experimentId: experiments.baselines, secrets: deps.secrets, images: deps.images,
    origin: { repo: event.repo, sha: event.mergeCommitSha as string, branch: event.baseRef, request: key, role: 'baseline' },
    onError: (error, name) => deps.log.error(error, `baseline refresh for #${event.number}: run ${name} failed inside trainbot`),
  });
  if (refreshed?.state !== 'finished') {
    const why = refreshed?.reason ? `: ${escapeMarkdown(refreshed.reason).replace(/\.?$/, '.')}` : '.';
    await github.upsertComment(event.number, key, body(`❌ The new baseline of ${codeSpan(event.baseRef)} on ${sha} did not finish${why} Reports keep comparing with the previous baseline until the next merge trains one.`));
    return;
  }
  const table = renderReport({
    title: 'New baseline vs previous', runs: [refreshed], baseline: previous, config, now: now(), runUrl: baselineLink,
    noBaselineHint: 'This is the first baseline.',
  }).replace(/^### .*\n\n/, '');
  await github.upsertComment(event.number, key, body(`✅ New baseline of ${codeSpan(event.baseRef)} on ${sha}:\n\n${table}`));
}
