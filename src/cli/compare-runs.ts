// `trainbot compare RUN_ID [--baseline RUN_ID]`: the table `trainbot run` prints, for runs that already exist,
// without training anything. By default two requests, both reads by id: the branch's baseline pointer (the
// baselines experiment's experiments/get), then the candidate and the runs the pointer names together, in one
// runs/search on `run_id IN (…)`. Before the first merge wrote a pointer, the candidate's runs/get and the
// bot's baseline search. With --baseline, both runs/get at once. The two experiments' ids come from a small
// cache (experiment-cache.ts), so the default needs no experiments/get-by-name; a cold cache costs those.
import type { TrainbotConfig } from '../config/config-types.js';
import { type Baseline, type RunResult, rankRuns, requestConclusion } from '../report/compare.js';
import { renderReport, whatChanged } from '../report/render-report.js';
import { type MetricsCheck } from '../runs/metrics-signature.js';
import { planBaseline } from '../runs/plan.js';
import { RUN_TAGS } from '../runs/run-contract.js';
import { type RunSigning, verifyRun } from '../runs/run-signature.js';
import { experimentName } from '../tracking/experiment-names.js';
import type { MlflowClient } from '../tracking/mlflow-client.js';
import { type BranchPointer, judgePointedRuns, readBranchPointer } from '../tracking/pointed-baseline.js';
import { type BaselineQuery, checkRunMetrics, searchBaseline, toBaseline } from '../tracking/run-queries.js';
import { runIdsFilter } from '../tracking/search-filter.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import { TrackingError, unlessTrackingCode } from '../tracking/tracking-error.js';
import { checkRunId } from './run-id.js';
import { UsageError } from './usage-error.js';
import { toRunResult } from '../report/to-run-result.js';

export type CompareTracking = Pick<
  MlflowClient,
  'getRun' | 'getExperiment' | 'searchRuns' | 'searchAllRuns' | 'getExperimentByName'
> &
  RunSigning;

/** Where the ids of the config's two experiments are remembered between processes (a seam: tests pass a Map). */
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

/** The run as MLflow returned it, or a sentence: runs trainbot did not start, or whose tags changed, are not compared. */
function trainbotOnly(run: TrackedRun, key: string | undefined, what: string): TrackedRun {
  const runId = run.info.runId;
  if (!run.tags[RUN_TAGS.role] || !run.tags[RUN_TAGS.repo] || run.tags[RUN_TAGS.params] === undefined)
    throw new UsageError(
      `Run ${runId} (${what}) was not started by trainbot (it has no trainbot tags); compare takes runs from \`trainbot run\` or \`/train\`.`,
    );
  if (key !== undefined && !verifyRun(key, run))
    throw new UsageError(
      `Run ${runId} (${what}) does not carry a valid trainbot signature (its tags were changed, or another trainbot signed it), so it is not compared.`,
    );
  return run;
}

/** The run by id (runs/get), or a sentence: an unknown id is the user's to fix, not a crash. */
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
  return trainbotOnly(run, tracking.signingKey, what);
}

/** The ids of the config's two experiments (candidates, baselines); undefined for one that does not exist. */
interface ExperimentPair {
  candidates?: string;
  baselines?: string;
}

/** An experiment's id: remembered, or looked up by name once (undefined when it does not exist, or was deleted). */
async function experimentId(input: CompareInput, name: string, fresh: boolean): Promise<string | undefined> {
  const known = fresh ? undefined : input.experimentIds.get(name);
  if (known !== undefined) return known;
  const found = await input.tracking.getExperimentByName(name);
  if (!found || found.lifecycleStage === 'deleted') return undefined;
  input.experimentIds.set(name, found.experimentId);
  return found.experimentId;
}

async function experimentPair(input: CompareInput): Promise<ExperimentPair> {
  const [candidates, baselines] = await Promise.all([
    experimentId(input, experimentName(input.config, 'candidate'), false),
    experimentId(input, experimentName(input.config, 'baseline'), false),
  ]);
  return { candidates, baselines };
}

/** The pointer, or none when the remembered experiment is gone for good (mlflow gc): the caller looks again. */
async function pointerIn(tracking: CompareTracking, experiments: string, branch: string): Promise<BranchPointer> {
  const read = readBranchPointer(tracking, experiments, branch);
  return (await unlessTrackingCode(read, 'RESOURCE_DOES_NOT_EXIST')) ?? { kind: 'none' };
}

interface Pair {
  candidate: TrackedRun;
  baseline?: TrackedRun;
}

/**
 * The candidate and the baseline the bot would compare it with. With a pointer: its experiments/get, then the
 * candidate (unless `known`) and the pointed runs in one runs/search by id across both experiments; the pointed
 * runs pass the same checks as the bot's own lookup (judgePointedRuns), for the candidate's repo. A candidate
 * outside both experiments is read by runs/get; a pointer that does not answer leaves it to the bot's search.
 */
async function withBaseline(
  input: CompareInput,
  runId: string,
  ids: ExperimentPair,
  known?: TrackedRun,
): Promise<Pair> {
  const { tracking, config } = input;
  const what = 'the run to compare';
  if (ids.baselines === undefined) return { candidate: known ?? (await trainbotRun(tracking, runId, what)) };
  const read = await pointerIn(tracking, ids.baselines, config.baselineBranch);
  let candidate = known;
  let pointed: TrackedRun[] | undefined;
  if (read.kind === 'valid') {
    const wanted = [...new Set([...(candidate ? [] : [runId]), ...read.pointer.runIds])];
    const { runs } = await tracking.searchRuns({
      experimentIds: [...new Set([ids.candidates ?? ids.baselines, ids.baselines])],
      filter: runIdsFilter(wanted),
      maxResults: wanted.length,
    });
    const byId = new Map(runs.map((run) => [run.info.runId, run]));
    const found = byId.get(runId);
    if (!candidate && found) candidate = trainbotOnly(found, tracking.signingKey, what);
    const named = read.pointer.runIds.map((id) => byId.get(id));
    // A pointed run the search did not return was deleted: not a baseline any more, as with runs/get.
    pointed = named.every((run) => run !== undefined) ? named : undefined;
  }
  candidate ??= await trainbotRun(tracking, runId, what);
  const query: BaselineQuery = {
    experimentId: ids.baselines,
    repo: candidate.tags[RUN_TAGS.repo] as string,
    branch: config.baselineBranch,
    params: planBaseline(config).paramsKey,
  };
  if (read.kind === 'valid') {
    const judged = judgePointedRuns(read.pointer, pointed, query, tracking.signingKey);
    if (judged.kind === 'found') return { candidate, baseline: judged.lookup.run };
  }
  return { candidate, baseline: (await searchBaseline(tracking, query)).run };
}

/** withBaseline on the remembered ids; when that finds no baseline, once more if the baselines' id has changed. */
async function currentBaseline(input: CompareInput, runId: string): Promise<Pair> {
  const remembered = await experimentPair(input);
  const first = await withBaseline(input, runId, remembered);
  if (first.baseline || remembered.baselines === undefined) return first;
  // Nothing there: the experiment may have been deleted and made again under the same name since it was remembered.
  const baselines = await experimentId(input, experimentName(input.config, 'baseline'), true);
  if (baselines === undefined || baselines === remembered.baselines) return first;
  return withBaseline(input, runId, { ...remembered, baselines }, first.candidate);
}

export async function compareRuns(input: CompareInput): Promise<CompareOutcome> {
  const { config, tracking } = input;
  const runId = checkRunId(input.runId, 'the run to compare');
  const baselineId =
    input.baselineRunId === undefined ? undefined : checkRunId(input.baselineRunId, 'the --baseline run');
  let candidateRun: TrackedRun;
  let baselineRun: TrackedRun | undefined;
  if (baselineId !== undefined) {
    [candidateRun, baselineRun] = await Promise.all([
      trainbotRun(tracking, runId, 'the run to compare'),
      trainbotRun(tracking, baselineId, 'the --baseline run'),
    ]);
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
    ({ candidate: candidateRun, baseline: baselineRun } = await currentBaseline(input, runId));
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
