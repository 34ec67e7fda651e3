// The request core, shared by the bot, the CLI and the sweep action: planned runs → the baseline to compare
// with → dispatch, wait, collect (execute-runs.ts) → rank, compare, render. Callers adapt it to where the
// answer goes: the bot to a living comment and a check run (on-train-comment.ts), the CLI to a terminal, the
// sweep action to a job summary. The merge report's baseline refresh is a request too, with role `baseline`.
import type { TrainbotConfig } from '../config/config-types.js';
import { type Baseline, type RunResult, rankRuns, requestConclusion } from '../report/compare.js';
import { renderReport, requestTitle } from '../report/render-report.js';
import { type PlannedRun, paramsKey, planBaseline, planBaselineRepeats } from '../runs/plan.js';
import { groupRepeats, repeatedBaseline } from '../report/group-repeats.js';
import type { RunOrigin, RunRole } from '../runs/run-contract.js';
import type { Runner } from '../runners/runner.js';
import { rejectedBaseline } from '../report/changed-run.js';
import { type RoleExperiments, ensureRoleExperiments } from '../tracking/role-experiments.js';
import { finishedRunIds, moveBaselinePointer } from '../tracking/pointed-baseline.js';
import { type BaselineLookup, type BaselineQuery, lookupBaseline, toBaseline } from '../tracking/run-queries.js';
import type { Tracking } from '../tracking/tracking.js';
import type { ImageWait } from './await-image.js';
import { type ExecutedRun, executeRuns } from './execute-runs.js';

/** The "No baseline yet" hint outside a pull request (the CLI, the sweep action). */
export const NO_BASELINE_HINT_OFF_PR =
  'Run `trainbot run "/train"` on the baseline branch, or merge a pull request: trainbot trains one on merge.';

export interface RequestInput {
  plans: readonly PlannedRun[];
  config: TrainbotConfig;
  origin: Omit<RunOrigin, 'params' | 'role'>; // repo, sha, branch, request (pr when there is one)
  role?: RunRole; // default candidate; the merge refresh trains a baseline
  tracking: Tracking;
  runner: Runner;
  /** Both experiments, when the caller already made sure of them (the bot does, to find a redelivered request). */
  experiments?: RoleExperiments;
  /** Without a baseline: compare with none, or (the CLI's embedded default) train one first. */
  missingBaseline: 'compare-without' | 'train';
  /** How to make a baseline where this report is shown, for the "No baseline yet" line. */
  noBaselineHint: string;
  title?: string; // default requestTitle(plans)
  headingLevel?: 0 | 3 | 4;
  images?: ImageWait;
  secrets?: readonly string[]; // hidden in the log tails of failed runs
  maxParallel?: number;
  runUrl?: (experimentId: string, runId: string) => string;
  now?: () => number;
  onProgress?: (message: string) => void;
  /** Every state change, with the report as it stands: the bot's living comment, the CLI's progress. */
  onChange?: (runs: readonly RunResult[], markdown: string) => void;
  onError?: (error: unknown, runName: string) => void; // see ExecuteInput.onError
}

export interface RequestReport {
  title: string;
  markdown: string; // the comparison: the living comment's and the check run's text
  runs: ExecutedRun[];
  baseline?: Baseline;
  best?: RunResult;
  /** The runs as the report compares them: a point's repeats joined into one (the runs themselves without repeats). */
  points: RunResult[];
  finished: number;
  conclusion: ReturnType<typeof requestConclusion>;
  experimentId: string; // where this request's runs are
}

/** How a request's report is rendered: its title and place, and the baseline lookup its runs are compared with. */
export interface RequestRendering {
  title: string;
  headingLevel?: 0 | 3 | 4;
  config: TrainbotConfig;
  found: BaselineLookup;
  /** With repeats: the seeds (`found` is the first's) and the baselines found for the others, in that order. */
  repeats?: { seeds: readonly number[]; found: readonly BaselineLookup[] };
  experiments: RoleExperiments;
  experimentId: string; // where the request's runs are
  noBaselineHint: string;
  sha?: string;
  runUrl?: (experimentId: string, runId: string) => string;
  now: () => number;
}

/**
 * The comparison table of a request's runs. One function for runRequest and for a reconciler that finishes a
 * request after its process died (src/pipeline/finish-merge.ts), so both post the same report.
 */
export function renderRequestReport(r: RequestRendering, runs: readonly RunResult[]): string {
  const baseline = requestBaseline(r);
  const rejected = rejectedBaseline(r.found.rejected);
  const baselineRuns = [baseline?.runId, rejected?.runId, ...(baseline?.repeats ?? []).map((b) => b.runId)];
  // A baseline (used or refused) is in the baselines' experiment; the request's own runs in their role's.
  const link = (runId: string) =>
    r.runUrl?.(baselineRuns.includes(runId) ? r.experiments.baselines : r.experimentId, runId);
  return renderReport({
    title: r.title,
    headingLevel: r.headingLevel,
    runs,
    baseline,
    config: r.config,
    now: r.now(),
    noBaselineHint: r.noBaselineHint,
    sha: r.sha,
    rejectedBaseline: rejected,
    refusedPointer: r.found.refusedPointer,
    runUrl: r.runUrl ? link : undefined,
  });
}

/** The baseline a request compares with: one run, or with repeats the runs of its seeds (group-repeats.ts). */
export function requestBaseline(r: Pick<RequestRendering, 'found' | 'repeats'>): Baseline | undefined {
  if (!r.repeats) return toBaseline(r.found.run);
  return repeatedBaseline(
    [r.found, ...r.repeats.found].map((f) => toBaseline(f.run)),
    r.repeats.seeds,
  );
}

/**
 * The baselines a request with repeats pairs with: the default params with each of its seeds, one lookup per seed.
 * The first seed is `seed_param`'s default, so its baseline is the one a request without repeats uses.
 */
export async function lookupRepeats(
  tracking: Tracking,
  query: BaselineQuery,
  seeds: readonly number[],
  config: TrainbotConfig,
): Promise<BaselineLookup[]> {
  const defaults = planBaseline(config).params;
  return Promise.all(
    seeds
      .slice(1)
      .map((seed) =>
        lookupBaseline(tracking, { ...query, params: paramsKey({ ...defaults, [config.seedParam]: seed }) }),
      ),
  );
}

/**
 * The seeds runs read back from MLflow were repeated with, as lookupRepeats pairs them: each once, the seed
 * param's default first. None for fewer than two, or when they do not start at that default (the default seed's
 * baseline is the one the other seeds' must share a commit with; without it nothing pairs).
 */
export function pairedSeeds(seeds: readonly number[], config: TrainbotConfig): number[] {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  const first = Number(planBaseline(config).params[config.seedParam]);
  return sorted.length > 1 && sorted[0] === first ? sorted : [];
}

/**
 * The baseline runs read back from MLflow are compared with, as runRequest compared them live: the default
 * params' lookup, and with repeats each of `seeds` (pairedSeeds) joined to it, so the verdict is the paired one.
 */
export async function lookupRequestBaseline(
  tracking: Tracking,
  query: BaselineQuery,
  seeds: readonly number[],
  config: TrainbotConfig,
): Promise<{ found: BaselineLookup; baseline: Baseline | undefined }> {
  const found = await lookupBaseline(tracking, query);
  const paired = pairedSeeds(seeds, config);
  if (paired.length === 0) return { found, baseline: toBaseline(found.run) };
  const repeats = { seeds: paired, found: await lookupRepeats(tracking, query, paired, config) };
  return { found, baseline: requestBaseline({ found, repeats }) };
}

export async function runRequest(input: RequestInput): Promise<RequestReport> {
  const { config, tracking, runner } = input;
  const now = input.now ?? Date.now;
  const progress = input.onProgress ?? (() => undefined);
  // Candidates and baselines live in separate experiments (src/tracking/experiment-names.ts); both exist before
  // any Job runs. The runs of this request go to their role's.
  const experiments = input.experiments ?? (await ensureRoleExperiments(tracking, config));
  const experimentId = input.role === 'baseline' ? experiments.baselines : experiments.candidates;

  // The baseline the runs are compared with: the newest one of the baseline branch, trained with the defaults.
  const baselinePlan = planBaseline(config);
  const query = {
    experimentId: experiments.baselines,
    repo: input.origin.repo,
    branch: config.baselineBranch,
    params: baselinePlan.paramsKey,
  };
  // With repeats, the baseline is one run per seed the request uses, the same seeds, so the runs pair.
  const seeds = [...new Set(input.plans.flatMap((p) => (p.repeat ? [p.repeat.seed] : [])))];
  let found = await lookupBaseline(tracking, query);
  let repeatsFound = await lookupRepeats(tracking, query, seeds, config);
  const missing = () => !found.run || repeatsFound.some((f) => !f.run);
  if (missing() && input.missingBaseline === 'train') {
    const why = found.rejected
      ? `The newest baseline of ${config.baselineBranch} was changed after trainbot recorded it`
      : found.run
        ? `The baseline of ${config.baselineBranch} lacks some of the seeds ${seeds.join(', ')}`
        : `No baseline for ${config.baselineBranch} yet`;
    progress(`${why}: training one with the default params (${baselinePlan.paramsKey}).`);
    // With repeats every seed is trained again, so the baseline's runs are all of one commit.
    const trainedRuns = await executeRuns({
      plans: seeds.length > 1 ? planBaselineRepeats(config, seeds) : [baselinePlan],
      config,
      tracking,
      runner,
      experimentId: experiments.baselines,
      secrets: input.secrets,
      images: input.images,
      origin: {
        ...input.origin,
        branch: config.baselineBranch,
        request: `${input.origin.request}-baseline`,
        pr: undefined,
        role: 'baseline',
      },
      onError: input.onError,
    });
    const [trained] = trainedRuns;
    if (trained?.state !== 'finished')
      progress(`The baseline run did not finish (${trained?.reason ?? 'unknown reason'}); comparing without one.`);
    // The baseline trained here is the branch's from now on, as a merge's refresh is (on-pr-closed.ts).
    else await moveBaselinePointer(tracking, query, finishedRunIds(trainedRuns));
    found = await lookupBaseline(tracking, query);
    repeatsFound = await lookupRepeats(tracking, query, seeds, config);
  }
  const repeats = seeds.length > 1 ? { seeds, found: repeatsFound } : undefined;
  const baseline = requestBaseline({ found, repeats });
  const title = input.title ?? requestTitle(input.plans);
  const rendering: RequestRendering = {
    title,
    headingLevel: input.headingLevel,
    config,
    found,
    ...(repeats ? { repeats } : {}),
    experiments,
    experimentId,
    noBaselineHint: input.noBaselineHint,
    sha: input.origin.sha,
    runUrl: input.runUrl,
    now,
  };
  const render = (runs: readonly RunResult[]) => renderRequestReport(rendering, runs);

  progress(`Starting ${input.plans.length} run${input.plans.length === 1 ? '' : 's'}.`);
  const runs = await executeRuns({
    plans: input.plans,
    config,
    tracking,
    runner,
    experimentId,
    secrets: input.secrets,
    images: input.images,
    origin: { ...input.origin, role: input.role ?? 'candidate' },
    maxParallel: input.maxParallel,
    onChange: input.onChange ? (changed) => input.onChange?.(changed, render(changed)) : undefined,
    onError: input.onError,
  });
  const points = groupRepeats(runs, config);
  const best = rankRuns(points, config)[0];
  return {
    title,
    markdown: render(runs),
    runs,
    baseline,
    best,
    points,
    experimentId,
    finished: runs.filter((r) => r.state === 'finished').length,
    conclusion: requestConclusion(points, best, baseline, config),
  };
}
