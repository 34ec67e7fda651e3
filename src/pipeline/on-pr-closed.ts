// A pull request was closed (DESIGN.md "Who uses it": merging gives a final report and a baseline refresh).
//   merged:     1. config from the base branch   2. the PR's runs in one paged search, the best candidate and
//               the baseline it was compared with   3. one final comment   4. train the new baseline on the
//               merge commit   5. its result appended to the same comment
//               (a merge into another branch than baseline_branch gets the report and no refresh)
//   not merged: nothing starts; the PR's runs still going are cancelled.
import { parseConfig } from '../config/load-config.js';
import type { TrainbotConfig } from '../config/config-types.js';
import type { GitHubPort } from '../github/github-port.js';
import { type RunResult, type RunState, rankRuns } from '../report/compare.js';
import { rejectedBaseline } from '../report/changed-run.js';
import { type MergeReportInput, type Refresh, renderMergeReport } from '../report/render-merge-report.js';
import { whatChanged } from '../report/render-report.js';
import type { MetricsCheck } from '../runs/metrics-signature.js';
import { type ParamValue, parseParamsKey, planBaseline } from '../runs/plan.js';
import { RUN_TAGS } from '../runs/run-contract.js';
import type { Runner } from '../runners/runner.js';
import {
  checkRunMetrics,
  findPullRequestRuns,
  findRequestRuns,
  lookupBaseline,
  toBaseline,
} from '../tracking/run-queries.js';
import { type RoleExperiments, ensureRoleExperiments } from '../tracking/role-experiments.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import type { Tracking } from '../tracking/tracking.js';
import type { ImageWait } from './await-image.js';
import { cancelPullRequestRuns } from './cancel-runs.js';
import type { Logger } from './on-train-comment.js';
import { runRequest } from './run-request.js';

export interface PullRequestClosedEvent {
  repo: string; // owner/name
  number: number;
  merged: boolean;
  mergeCommitSha: string | null;
  baseRef: string;
}

export interface PullRequestClosedDeps {
  github: Pick<GitHubPort, 'readConfig' | 'upsertComment' | 'createComment'>;
  tracking: Tracking;
  runnerFor: (config: TrainbotConfig) => Runner;
  log: Logger;
  runUrl?: (experimentId: string, runId: string) => string;
  now?: () => number;
  secrets?: readonly string[]; // hidden in the log tail of a failed baseline run
  /** Pin the baseline's Job to the digest CI pushed for the merge commit, waiting for its build. */
  images?: ImageWait;
}

export const mergeKey = (pr: number) => `merge-${pr}`;

const STATE_OF: Record<string, RunState> = {
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'cancelled',
  RUNNING: 'running',
  SCHEDULED: 'queued',
};
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$/;

/** The params a run was planned with, read back from its trainbot.params tag (paramsKey's `k=v k=v`). */
export function paramsFromTag(tag: string, config: TrainbotConfig): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [name, raw] of Object.entries(parseParamsKey(tag))) {
    params[name] = config.params[name]?.type !== 'string' && NUMBER.test(raw) ? Number(raw) : raw;
  }
  return params;
}

/** A run as a report row; MLflow keeps no reason for a failure, so the row points at the run instead. */
export function toRunResult(run: TrackedRun, config: TrainbotConfig): RunResult {
  const state = STATE_OF[run.info.status] ?? 'failed';
  const reason =
    state === 'failed'
      ? 'The run ended FAILED; its MLflow page has the details.'
      : state === 'cancelled'
        ? 'The run was cancelled.'
        : undefined;
  return {
    name: run.info.runName,
    runId: run.info.runId,
    params: paramsFromTag(run.tags[RUN_TAGS.params] ?? '', config),
    state,
    ...(reason ? { reason } : {}),
    metrics: run.metrics,
  };
}

/**
 * A finished run whose metrics are not the ones trainbot signed when it ended is not ranked: its row says what
 * changed. `check` is undefined without a signing key (nothing is checked, as before signing).
 */
export function withMetricsCheck(
  result: RunResult,
  check: MetricsCheck | undefined,
  config: TrainbotConfig,
): RunResult {
  if (result.state !== 'finished' || check === undefined) return result;
  if (check.status === 'intact') return { ...result, metrics: check.metrics };
  return { ...result, state: 'failed', reason: `This run ${whatChanged(check, config)}, so it is not compared.` };
}

export async function onPullRequestClosed(event: PullRequestClosedEvent, deps: PullRequestClosedDeps): Promise<void> {
  const { github, tracking, log } = deps;
  // 1. The base branch's config: without one trainbot never ran here, so there is nothing to report or cancel.
  const text = await github.readConfig(event.baseRef);
  if (text === undefined) return;
  const loaded = parseConfig(text);
  if (!loaded.ok)
    return log.info(`#${event.number} closed; the config on ${event.baseRef} does not load, so nothing to do`);
  const { config } = loaded;
  const runner = deps.runnerFor(config);

  if (!event.merged) {
    const cancelled = (await cancelPullRequestRuns(runner, event.repo, event.number)).length;
    if (cancelled > 0)
      await github.createComment(
        event.number,
        `This pull request was closed without merging, so trainbot cancelled its ${cancelled} running run${cancelled === 1 ? '' : 's'}.`,
      );
    return;
  }
  if (!event.mergeCommitSha) return log.info(`#${event.number} merged without a merge commit sha; no baseline refresh`);

  const request = mergeKey(event.number);
  const requestKey = `${event.repo}#${request}`;
  if (!(await runner.claim(requestKey)))
    return log.info(`merge of #${event.number} is being handled by another delivery; this one is ignored`);
  try {
    const experiments = await ensureRoleExperiments(tracking, config);
    // The merge's baseline run is the mark that this merge was handled; it lives among the baselines.
    if (
      (await findRequestRuns(tracking, { experimentId: experiments.baselines, repo: event.repo, request }, 1)).runs
        .length > 0
    ) {
      return log.info(`merge of #${event.number} was already handled; redelivery ignored`);
    }
    await report(event, deps, config, experiments, runner);
  } finally {
    await runner
      .release(requestKey)
      .catch((e: unknown) => log.error(e, `could not release the claim on ${requestKey}`));
  }
}

async function report(
  event: PullRequestClosedEvent,
  deps: PullRequestClosedDeps,
  config: TrainbotConfig,
  experiments: RoleExperiments,
  runner: Runner,
): Promise<void> {
  const { github, tracking } = deps;
  const now = deps.now ?? Date.now;
  const experimentId = experiments.candidates;
  const baselinePlan = planBaseline(config);
  // Reports compare with the baseline branch's baseline, whatever branch the PR went into (as /train does).
  const query = {
    experimentId: experiments.baselines,
    repo: event.repo,
    branch: config.baselineBranch,
    params: baselinePlan.paramsKey,
  };

  // 2. Every run of the PR in one paged search; the best candidate against the baseline that was current when it
  // started (a later merge may have replaced it since).
  const tracked = (await findPullRequestRuns(tracking, { experimentId, repo: event.repo, pr: event.number })).runs
    .filter((r) => r.tags[RUN_TAGS.role] === 'candidate')
    // MLflow returns runs newest first, and runs started in the same millisecond in any order. Sorted by their
    // params, the unranked rows (failed, changed) keep one order from report to report.
    .sort((a, b) => (a.tags[RUN_TAGS.params] ?? '').localeCompare(b.tags[RUN_TAGS.params] ?? ''));
  const runs = tracked.map((r) => withMetricsCheck(toRunResult(r, config), checkRunMetrics(tracking, r), config));
  const best = rankRuns(runs, config)[0];
  const bestRun = tracked.find((r) => r.info.runId === best?.runId);
  const comparedLookup =
    best?.state === 'finished' && bestRun !== undefined
      ? await lookupBaseline(tracking, { ...query, startedBefore: bestRun.info.startTime })
      : {};
  const compared = toBaseline(comparedLookup.run);
  const comparedRejected = rejectedBaseline(comparedLookup.rejected);
  // Candidate runs are in the candidates' experiment; the baseline compared with (or refused) in the baselines'.
  const link = (runId: string) =>
    deps.runUrl?.(
      [compared?.runId, comparedRejected?.runId].includes(runId) ? experiments.baselines : experimentId,
      runId,
    );

  // 3. The final comment, with the refresh under way.
  const key = mergeKey(event.number);
  const sha = event.mergeCommitSha as string;
  const post = (refresh: Refresh) =>
    github.upsertComment(event.number, key, renderMergeReport({ ...reportBase, now: now(), refresh }));
  const reportBase: Omit<MergeReportInput, 'now' | 'refresh'> = {
    pr: event.number,
    baseRef: event.baseRef,
    runs,
    compared,
    comparedRejected,
    bestSha: bestRun?.tags[RUN_TAGS.sha],
    config,
    link,
  };
  // Only a merge into the baseline branch makes a baseline: a run of `release-1` would never be compared with.
  if (event.baseRef !== config.baselineBranch)
    return void (await post({ kind: 'other-branch', baseRef: event.baseRef }));
  await post({ kind: 'training', sha, params: baselinePlan.paramsKey });

  // 4–5. The baseline refresh is a request of its own (role baseline, compared with the previous baseline), and
  // its result goes into the same comment.
  const refresh = await runRequest({
    plans: [baselinePlan],
    role: 'baseline',
    config,
    tracking,
    runner,
    experiments,
    images: deps.images,
    secrets: deps.secrets,
    origin: { repo: event.repo, sha, branch: event.baseRef, request: key },
    missingBaseline: 'compare-without',
    noBaselineHint: 'Reports compare with this one from now on.',
    title: 'New baseline vs previous',
    headingLevel: 0,
    runUrl: deps.runUrl,
    now,
    onError: (error, name) =>
      deps.log.error(error, `baseline refresh for #${event.number}: run ${name} failed inside trainbot`),
  });
  const [refreshed] = refresh.runs;
  await post(
    refreshed?.state === 'finished'
      ? { kind: 'done', sha, report: refresh.markdown }
      : { kind: 'failed', sha, reason: refreshed?.reason },
  );
}
