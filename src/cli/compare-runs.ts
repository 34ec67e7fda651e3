// `trainbot compare RUN_ID [--baseline RUN_ID]`: the table `trainbot run` prints, for runs that already exist,
// without training anything. The candidate (runs/get), then the current baseline by the bot's own lookup
// (findBaseline: the pointer's experiments/get and one runs/get, or a search before the first merge wrote a
// pointer), or both runs/get at once with --baseline. Every read is by id. The baselines experiment's id
// comes from a small cache (experiment-cache.ts) so the default needs no experiments/get-by-name; a cold cache
// costs that one request more.
import type { TrainbotConfig } from '../config/config-types.js';
import { type Baseline, type RunResult, rankRuns, requestConclusion } from '../report/compare.js';
import { renderReport, whatChanged } from '../report/render-report.js';
import { type MetricsCheck } from '../runs/metrics-signature.js';
import { planBaseline } from '../runs/plan.js';
import { RUN_TAGS } from '../runs/run-contract.js';
import { type RunSigning, verifyRun } from '../runs/run-signature.js';
import { experimentName } from '../tracking/experiment-names.js';
import type { MlflowClient } from '../tracking/mlflow-client.js';
import { checkRunMetrics, findBaseline, toBaseline } from '../tracking/run-queries.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import { TrackingError } from '../tracking/tracking-error.js';
import { checkRunId } from './run-id.js';
import { UsageError } from './usage-error.js';
import { toRunResult } from '../report/to-run-result.js';

export type CompareTracking = Pick<MlflowClient, 'getRun' | 'searchRuns' | 'searchAllRuns' | 'getExperimentByName'> &
  RunSigning;

/** Where the id of the baselines experiment is remembered between processes (a seam: tests pass a Map). */
export interface ExperimentIds {
  get(name: string): string | undefined;
  set(name: string, id: string): void;
}

export interface CompareInput {
  runId: string;
  baselineRunId?: string;
  config: TrainbotConfig;
  tracking: CompareTracking;
  experimentIds: ExperimentIds;
  /** For links in the table; undefined leaves the run names unlinked. */
  runUrl?: (experimentId: string, runId: string) => string;
  now?: () => number;
}

export interface CompareOutcome {
  markdown: string;
  candidate: RunResult;
  baseline?: Baseline;
  conclusion: ReturnType<typeof requestConclusion>;
  experimentId: string;
}

/** A run as the table's row (toRunResult); a finished run whose metrics changed since the bot signed them is not compared. Pure. */
export function comparedRun(run: TrackedRun, check: MetricsCheck | undefined, config: TrainbotConfig): RunResult {
  const row = toRunResult(run, config);
  if (row.state !== 'finished' || check === undefined) return row;
  if (check.status === 'intact') return { ...row, metrics: check.metrics };
  return { ...row, state: 'failed', reason: `This run ${whatChanged(check, config)}, so it is not compared.` };
}

/** The params that differ from the config's defaults, `alpha=0.1`, for the title, as `trainbot run` names a request. */
export function compareTitle(run: RunResult, config: TrainbotConfig): string {
  const defaults = planBaseline(config).params;
  const changed = Object.entries(run.params)
    .filter(([k, v]) => String(defaults[k]) !== String(v))
    .map(([k, v]) => `${k}=${String(v)}`);
  return `trainbot: ${changed.join(' ') || 'default params'} vs baseline`;
}

/** The run, or a sentence: unknown ids and runs trainbot did not start are the user's to fix, not a crash. */
async function trainbotRun(tracking: CompareTracking, runId: string, what: string): Promise<TrackedRun> {
  let run: TrackedRun;
  try {
    run = await tracking.getRun(runId);
  } catch (error) {
    if (error instanceof TrackingError && (error.errorCode === 'RESOURCE_DOES_NOT_EXIST' || error.status === 404))
      throw new UsageError(
        `MLflow has no run ${runId} (${what}); check the id, and that MLFLOW_TRACKING_URI is the server that ran it.`,
      );
    throw error;
  }
  if (!run.tags[RUN_TAGS.role] || !run.tags[RUN_TAGS.repo] || run.tags[RUN_TAGS.params] === undefined)
    throw new UsageError(
      `Run ${runId} (${what}) was not started by trainbot (it has no trainbot tags); compare takes runs from \`trainbot run\` or \`/train\`.`,
    );
  const key = tracking.signingKey;
  if (key !== undefined && !verifyRun(key, run))
    throw new UsageError(
      `Run ${runId} (${what}) does not carry a valid trainbot signature (its tags were changed, or another trainbot signed it), so it is not compared.`,
    );
  return run;
}

/** The baselines experiment's id: remembered, or looked up by name once (undefined when it does not exist yet). */
async function baselinesExperiment(input: CompareInput, fresh: boolean): Promise<string | undefined> {
  const name = experimentName(input.config, 'baseline');
  const known = fresh ? undefined : input.experimentIds.get(name);
  if (known !== undefined) return known;
  const found = await input.tracking.getExperimentByName(name);
  if (found && found.lifecycleStage !== 'deleted') input.experimentIds.set(name, found.experimentId);
  return found?.lifecycleStage === 'deleted' ? undefined : found?.experimentId;
}

/** The current baseline for the candidate's repo, as the bot finds it; a remembered id that finds none is checked once. */
async function currentBaseline(input: CompareInput, candidate: TrackedRun): Promise<TrackedRun | undefined> {
  const lookup = async (experimentId: string) =>
    findBaseline(input.tracking, {
      experimentId,
      repo: candidate.tags[RUN_TAGS.repo] as string,
      branch: input.config.baselineBranch,
      params: planBaseline(input.config).paramsKey,
    });
  const remembered = await baselinesExperiment(input, false);
  if (remembered === undefined) return undefined;
  const found = await lookup(remembered);
  if (found) return found;
  // Nothing there: the experiment may have been deleted and made again under the same name since it was remembered.
  const current = await baselinesExperiment(input, true);
  return current === undefined || current === remembered ? undefined : lookup(current);
}

export async function compareRuns(input: CompareInput): Promise<CompareOutcome> {
  const { config, tracking } = input;
  const runId = checkRunId(input.runId, 'the run to compare');
  const baselineId =
    input.baselineRunId === undefined ? undefined : checkRunId(input.baselineRunId, 'the --baseline run');
  const [candidateRun, chosen] = await Promise.all([
    trainbotRun(tracking, runId, 'the run to compare'),
    baselineId === undefined ? undefined : trainbotRun(tracking, baselineId, 'the --baseline run'),
  ]);
  let baselineRun = chosen;
  if (baselineRun) {
    if (baselineRun.info.status !== 'FINISHED')
      throw new UsageError(
        `The --baseline run ${baselineRun.info.runId} is ${baselineRun.info.status}, not FINISHED; choose a finished run.`,
      );
    const check = checkRunMetrics(tracking, baselineRun);
    if (check !== undefined && check.status !== 'intact')
      throw new UsageError(
        `The --baseline run ${baselineRun.info.runId} has metrics that were changed after trainbot recorded them; choose another run.`,
      );
    if (check?.status === 'intact') baselineRun = { ...baselineRun, metrics: check.metrics };
  } else {
    baselineRun = await currentBaseline(input, candidateRun);
  }
  const candidate = comparedRun(candidateRun, checkRunMetrics(tracking, candidateRun), config);
  const baseline = toBaseline(baselineRun);
  const experimentOf = new Map([[candidateRun.info.runId, candidateRun.info.experimentId]]);
  if (baselineRun) experimentOf.set(baselineRun.info.runId, baselineRun.info.experimentId);
  const runUrl = input.runUrl;
  const markdown = renderReport({
    title: compareTitle(candidate, config),
    runs: [candidate],
    baseline,
    config,
    now: (input.now ?? Date.now)(),
    noBaselineHint: 'Pass `--baseline RUN_ID`, or run `trainbot run "/train"` on the baseline branch.',
    sha: candidateRun.tags[RUN_TAGS.sha],
    runUrl: runUrl
      ? (id) => (experimentOf.has(id) ? runUrl(experimentOf.get(id) as string, id) : undefined)
      : undefined,
  });
  const best = rankRuns([candidate], config)[0];
  return {
    markdown,
    candidate,
    ...(baseline ? { baseline } : {}),
    conclusion: requestConclusion([candidate], best, baseline, config),
    experimentId: candidateRun.info.experimentId,
  };
}
