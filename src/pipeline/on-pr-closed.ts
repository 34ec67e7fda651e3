// A pull request was closed (DESIGN.md "Who uses it": merging gives a final report and a baseline refresh).
//   merged:     1. config from the base branch   2. the PR's runs in one paged search, the best candidate and
//               the baseline it was compared with   3. one final comment   4. train the new baseline on the
//               merge commit   5. its result appended to the same comment, with the trend of the last
//               `trend_baselines` baselines (one more request)   6. with `registry` in the config, the new
//               baseline's model registered, before that comment (register-model.ts)
//               (a merge into another branch than baseline_branch gets the report and no refresh)
//               The merge's claim carries notes, so if this process dies a reconciler finishes it: steps 2–5 from
//               the start, or its refresh run settled and the final comment (src/pipeline/finish-merge.ts).
//   not merged: nothing starts; the PR's runs still going are cancelled.
import { parseConfig } from '../config/load-config.js';
import type { TrainbotConfig } from '../config/config-types.js';
import type { GitHubPort } from '../github/github-port.js';
import { type RunResult, rankRuns } from '../report/compare.js';
import { rejectedBaseline } from '../report/changed-run.js';
import { groupRepeats } from '../report/group-repeats.js';
import { type MergeReportInput, type Refresh, renderMergeReport } from '../report/render-merge-report.js';
import type { RegistryOutcome } from '../report/render-registry.js';
import { whatChanged } from '../report/render-report.js';
import { toRunResult } from '../report/to-run-result.js';
import type { MetricsCheck } from '../runs/metrics-signature.js';
import { type PlannedRun, planBaseline, planBaselineRepeats, repeatSeeds } from '../runs/plan.js';
import { RUN_TAGS } from '../runs/run-contract.js';
import type { Runner } from '../runners/runner.js';
import {
  type BaselineQuery,
  type RequestQuery,
  checkRunMetrics,
  findPullRequestRuns,
  findRequestRuns,
  findTrendBaselines,
} from '../tracking/run-queries.js';
import { finishedRunIds, moveBaselinePointer } from '../tracking/pointed-baseline.js';
import { type RoleExperiments, ensureRoleExperiments } from '../tracking/role-experiments.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import type { Tracking } from '../tracking/tracking.js';
import type { ImageWait } from './await-image.js';
import { cancelPullRequestRuns } from './cancel-runs.js';
import { CLAIM_NOTES, MERGE_KIND } from './claim-notes.js';
import type { Logger } from './on-train-comment.js';
import { registerModel } from './register-model.js';
import { lookupRequestBaseline, runRequest } from './run-request.js';

export interface PullRequestClosedEvent {
  repo: string; // owner/name
  number: number;
  merged: boolean;
  mergeCommitSha: string | null;
  baseRef: string;
  installationId?: number; // the GitHub App installation, so a reconciler can reach the repository later
}

/** A merge to report: from the event or, after its bot died, from its claim's notes (src/pipeline/finish-merge.ts). */
export interface Merge {
  repo: string; // owner/name
  number: number;
  sha: string; // the merge commit
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

  const merge: Merge = { repo: event.repo, number: event.number, sha: event.mergeCommitSha, baseRef: event.baseRef };
  const requestKey = `${event.repo}#${mergeKey(event.number)}`;
  // The notes let a reconciler finish this merge if this process dies (src/pipeline/finish-merge.ts).
  if (!(await runner.claim(requestKey, mergeNotes(merge, event.installationId))))
    return log.info(`merge of #${event.number} is being handled by another delivery; this one is ignored`);
  let ended = false;
  try {
    const experiments = await ensureRoleExperiments(tracking, config);
    if (await findRefreshRun(tracking, merge, experiments)) {
      ended = true;
      return log.info(`merge of #${event.number} was already handled; redelivery ignored`);
    }
    await reportMerge(merge, { ...deps, runner, config, experiments, posted: () => notePosted(runner, requestKey) });
    ended = true;
  } finally {
    // Ended: the claim goes. Failed part-way (MLflow or GitHub down while the pointer moved or the comment was
    // posted): it stays, unrenewed, so once it expires the reconciler finishes the merge from its notes
    // (finish-merge.ts) instead of leaving the comment at "Training…" and the pointer where it was.
    if (ended || !runner.abandon)
      await runner
        .release(requestKey)
        .catch((e: unknown) => log.error(e, `could not release the claim on ${requestKey}`));
    else await runner.abandon(requestKey).catch((e: unknown) => log.error(e, `could not leave ${requestKey}`));
  }
}

/** What a merge's claim carries: all a reconciler needs to finish the merge if this process dies. Strings only. */
export function mergeNotes(merge: Merge, installationId?: number): Record<string, string> {
  return {
    [CLAIM_NOTES.kind]: MERGE_KIND,
    [CLAIM_NOTES.repo]: merge.repo,
    [CLAIM_NOTES.pr]: String(merge.number),
    [CLAIM_NOTES.request]: mergeKey(merge.number),
    [CLAIM_NOTES.sha]: merge.sha,
    [CLAIM_NOTES.base]: merge.baseRef,
    ...(installationId !== undefined ? { [CLAIM_NOTES.installation]: String(installationId) } : {}),
  };
}

/** Notes on the merge's claim that its final comment is up, so a reconciler taking the claim over leaves it. */
export async function notePosted(runner: Runner, requestKey: string): Promise<void> {
  await runner.noteClaim?.(requestKey, { [CLAIM_NOTES.done]: 'comment' });
}

/**
 * The merge's baseline run, once created: the mark that this merge was handled. It lives among the baselines,
 * tagged with the merge's request.
 */
export async function findRefreshRun(
  tracking: Tracking,
  merge: Merge,
  experiments: RoleExperiments,
): Promise<TrackedRun | undefined> {
  return (await findRequestRuns(tracking, refreshQuery(merge, experiments), 1)).runs[0];
}

/** Where a merge's refresh runs are: among the baselines, tagged with the merge's request. */
export function refreshQuery(merge: Merge, experiments: RoleExperiments): RequestQuery {
  return { experimentId: experiments.baselines, repo: merge.repo, request: mergeKey(merge.number) };
}

/** Where a merge's report and refresh go, and what with: the event's handler or the reconciler fills it in. */
export interface MergeContext extends Omit<PullRequestClosedDeps, 'github' | 'runnerFor' | 'log'> {
  github: Pick<GitHubPort, 'upsertComment'>;
  runner: Runner;
  log: Pick<Logger, 'error'>;
  config: TrainbotConfig;
  experiments: RoleExperiments;
  /** The final comment is up; the caller notes it on the claim. */
  posted: () => Promise<void>;
}

/** How the refresh's report reads, whether runRequest renders it or a reconciler that finished the refresh. */
export const REFRESH_REPORT = {
  title: 'New baseline vs previous',
  headingLevel: 0,
  noBaselineHint: 'Reports compare with this one from now on.',
} as const;

/** The baseline branch's baseline trained with the defaults: what reports and the refresh compare with. */
export function baselineQuery(config: TrainbotConfig, repo: string, experiments: RoleExperiments): BaselineQuery {
  return {
    experimentId: experiments.baselines,
    repo,
    branch: config.baselineBranch,
    params: planBaseline(config).paramsKey,
  };
}

/** The refresh's part of the final comment: its report once its run finished (and its model's registration), else why it did not. */
export function refreshOutcome(
  sha: string,
  run: RunResult | undefined,
  report: string,
  registry?: RegistryOutcome,
): Refresh {
  return run?.state === 'finished'
    ? { kind: 'done', sha, report, ...(registry ? { registry } : {}) }
    : { kind: 'failed', sha, reason: run?.reason };
}

/**
 * Steps 2–5 of a merge: the final comment, the baseline refresh, its result in the same comment. The event's
 * handler runs them, and so does the reconciler for a merge whose bot died before its refresh run existed.
 */
export async function reportMerge(merge: Merge, c: MergeContext): Promise<void> {
  const post = await mergeCommenter(merge, c);
  const final = async (refresh: Refresh) => {
    await post(refresh);
    await c.posted();
  };
  // Only a merge into the baseline branch makes a baseline: a run of `release-1` would never be compared with.
  if (merge.baseRef !== c.config.baselineBranch) return final({ kind: 'other-branch', baseRef: merge.baseRef });
  const baselinePlan = planBaseline(c.config);
  await post({ kind: 'training', sha: merge.sha, params: baselinePlan.paramsKey });

  // 4–5. The baseline refresh is a request of its own (role baseline, compared with the previous baseline), and
  // its result goes into the same comment. It trains the config's repeats, so /train's repeats find their pairs.
  const refresh = await runRequest({
    ...REFRESH_REPORT,
    plans: refreshPlans(c.config),
    role: 'baseline',
    config: c.config,
    tracking: c.tracking,
    runner: c.runner,
    experiments: c.experiments,
    images: c.images,
    secrets: c.secrets,
    origin: { repo: merge.repo, sha: merge.sha, branch: merge.baseRef, request: mergeKey(merge.number) },
    missingBaseline: 'compare-without',
    runUrl: c.runUrl,
    now: c.now,
    onError: (error, name) =>
      c.log.error(error, `baseline refresh for #${merge.number}: run ${name} failed inside trainbot`),
  });
  // The new baseline becomes the one reports read, before the comment that says so: if this throws, the comment
  // does not claim a new baseline that reports would not use.
  await moveBaselinePointer(
    c.tracking,
    baselineQuery(c.config, merge.repo, c.experiments),
    refreshBaselineIds(refresh.points[0], refresh.runs),
  );
  // With repeats the point of all seeds is registered: its run is the first seed's (the default one the pointer and
  // /train pair with), and the champion is judged on every seed, paired; it finished only once every seed did.
  const registry = await registerMergeModel(merge, refresh.points[0], c);
  await final(refreshOutcome(merge.sha, refresh.points[0], refresh.markdown, registry));
}

/**
 * The runs a refresh points the branch at: all its finished runs, but only once its point finished. With repeats a
 * seed that failed fails the point, and the report then says reports keep comparing with the previous baseline;
 * the default seed's run alone must not become the baseline (its siblings would be the previous commit's).
 */
export function refreshBaselineIds(point: RunResult | undefined, runs: readonly RunResult[]): string[] {
  return point?.state === 'finished' ? finishedRunIds(runs) : [];
}

/** What a merge's refresh trains: the baseline's defaults, once per seed with the config's `repeats`. */
export function refreshPlans(config: TrainbotConfig): PlannedRun[] {
  return config.repeats > 1 ? planBaselineRepeats(config, repeatSeeds(config, config.repeats)) : [planBaseline(config)];
}

/**
 * Step 6: the finished refresh's model registered, with the alias moved only when it is not worse (register-model.ts).
 * `run` is the refresh's point: with repeats, every seed joined (groupRepeats), so the verdict pairs them all.
 */
export function registerMergeModel(
  merge: Merge,
  run: RunResult | undefined,
  c: MergeContext,
): Promise<RegistryOutcome | undefined> {
  if (!run) return Promise.resolve(undefined);
  return registerModel({
    run,
    repo: merge.repo,
    config: c.config,
    tracking: c.tracking,
    experiments: c.experiments,
    onError: (error) => c.log.error(error, `baseline refresh for #${merge.number}: registering its model failed`),
  });
}

/**
 * Steps 2–3: the PR's runs, its best candidate and the baseline that was current when it started; then a function
 * that posts the final comment with the refresh as it stands.
 */
export async function mergeCommenter(merge: Merge, c: MergeContext): Promise<(refresh: Refresh) => Promise<void>> {
  const { config, experiments, tracking } = c;
  const now = c.now ?? Date.now;
  const experimentId = experiments.candidates;
  // Reports compare with the baseline branch's baseline, whatever branch the PR went into (as /train does).
  const query = baselineQuery(config, merge.repo, experiments);

  // 2. Every run of the PR in one paged search; the best candidate against the baseline that was current when it
  // started (a later merge may have replaced it since).
  const tracked = (await findPullRequestRuns(tracking, { experimentId, repo: merge.repo, pr: merge.number })).runs
    .filter((r) => r.tags[RUN_TAGS.role] === 'candidate')
    // MLflow returns runs newest first, and runs started in the same millisecond in any order. Sorted by their
    // params, the unranked rows (failed, changed) keep one order from report to report.
    .sort((a, b) => (a.tags[RUN_TAGS.params] ?? '').localeCompare(b.tags[RUN_TAGS.params] ?? ''));
  const runs = tracked.map((r) => withMetricsCheck(toRunResult(r, config), checkRunMetrics(tracking, r), config));
  // With repeats the best is a point, ranked by its mean (as the report ranks it), never its luckiest seed.
  const best = rankRuns(groupRepeats(runs, config), config)[0];
  const bestIds = best?.repeats?.map((r) => r.runId) ?? [best?.runId];
  const bestRuns = tracked.filter((r) => bestIds.includes(r.info.runId));
  const bestRun = bestRuns[0];
  const startedBefore = Math.min(...bestRuns.map((r) => r.info.startTime));
  // Its seeds pair with the baseline runs of the same seeds that were current then, as /train paired them.
  const { found: comparedLookup, baseline: compared } =
    best?.state === 'finished' && bestRun !== undefined
      ? await lookupRequestBaseline(
          tracking,
          { ...query, startedBefore },
          (best.repeats ?? []).map((r) => r.seed),
          config,
        )
      : { found: {}, baseline: undefined };
  const comparedRejected = rejectedBaseline(comparedLookup.rejected);
  // Candidate runs are in the candidates' experiment; the baseline compared with (or refused) in the baselines'.
  const baselineIds = [compared?.runId, comparedRejected?.runId, ...(compared?.repeats ?? []).map((r) => r.runId)];
  const link = (runId: string) => c.runUrl?.(baselineIds.includes(runId) ? experiments.baselines : experimentId, runId);

  // 3. The final comment, with the refresh as it stands.
  const reportBase: Omit<MergeReportInput, 'now' | 'refresh'> = {
    pr: merge.number,
    baseRef: merge.baseRef,
    runs,
    compared,
    comparedRejected,
    bestSha: bestRun?.tags[RUN_TAGS.sha],
    config,
    link,
  };
  return async (refresh) => {
    // The trend is read once, for the comment with the refresh's outcome, so it holds the new baseline when that
    // finished: one request per merge, none while the refresh is still training.
    const trend =
      refresh.kind === 'training'
        ? undefined
        : (await findTrendBaselines(tracking, query, config.trendBaselines)).map((r) => ({
            sha: r.tags[RUN_TAGS.sha] ?? '',
            metrics: r.metrics,
          }));
    await c.github.upsertComment(
      merge.number,
      mergeKey(merge.number),
      renderMergeReport({ ...reportBase, now: now(), refresh, trend }),
    );
  };
}
