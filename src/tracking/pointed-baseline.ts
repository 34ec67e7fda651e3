// Reading and moving a branch's baseline pointer (src/runs/baseline-pointer.ts) in MLflow. Reading costs one
// experiments/get and one runs/get per run of the baseline (or, in `trainbot compare`, one runs/search by run id
// that also reads the candidate), all primary-key reads, so it does not grow with the server. The pointer only says where to look: the runs it names pass the same checks a search's would (bot
// tags of that repo, branch and params; with a key, the run's signature and its signed metrics), and anything
// it cannot answer (no pointer yet, other params, an older baseline asked for) goes back to the search.
import {
  type BaselinePointer,
  type RefusedPointer,
  pointerTagKey,
  pointerValue,
  readPointer,
} from '../runs/baseline-pointer.js';
import { checkMetrics } from '../runs/metrics-signature.js';
import { RUN_TAGS } from '../runs/run-contract.js';
import { type RunSigning, verifyRun } from '../runs/run-signature.js';
import type { MlflowClient } from './mlflow-client.js';
import type { BaselineLookup, BaselineQuery } from './run-queries.js';
import type { TrackedRun } from './tracked-run.js';
import { unlessTrackingCode } from './tracking-error.js';

export type PointerReader = Pick<MlflowClient, 'getExperiment' | 'getRun'> & RunSigning;

export type PointedBaseline =
  | { kind: 'found'; lookup: BaselineLookup } // the pointer answered: a baseline, or one rejected for its metrics
  | { kind: 'search' } // no pointer, or not one for this question: the search answers as before pointers
  | { kind: 'refused'; why: RefusedPointer }; // a pointer nobody should use: the search answers, the report says why

/** Whether a run is a baseline this query may compare with, by the same rules baselineFilter searches by. */
function answers(run: TrackedRun, query: BaselineQuery, key: string | undefined): boolean {
  const t = run.tags;
  return (
    run.info.status === 'FINISHED' &&
    run.info.deleted !== true &&
    run.info.experimentId === query.experimentId &&
    t[RUN_TAGS.role] === 'baseline' &&
    t[RUN_TAGS.repo] === query.repo &&
    t[RUN_TAGS.branch] === query.branch &&
    t[RUN_TAGS.params] === query.params &&
    (query.startedBefore === undefined || run.info.startTime < query.startedBefore) &&
    (key === undefined || verifyRun(key, run))
  );
}

/** The runs by id; undefined when one was removed for good (mlflow gc): not a baseline any more, the search finds what is. */
function readRuns(client: PointerReader, runIds: readonly string[]): Promise<TrackedRun[] | undefined> {
  return unlessTrackingCode(Promise.all(runIds.map((id) => client.getRun(id))), 'RESOURCE_DOES_NOT_EXIST');
}

/** The branch's pointer as the baselines experiment holds it: one experiments/get. */
export type BranchPointer =
  | { kind: 'none' } // no pointer for this branch yet
  | { kind: 'refused'; why: RefusedPointer }
  | { kind: 'valid'; pointer: BaselinePointer };

export async function readBranchPointer(
  client: Pick<PointerReader, 'getExperiment' | 'signingKey'>,
  experimentId: string,
  branch: string,
): Promise<BranchPointer> {
  const tagKey = pointerTagKey(branch);
  const text = (await client.getExperiment(experimentId)).tags[tagKey];
  if (text === undefined) return { kind: 'none' };
  const read = readPointer(text, { experimentId, tagKey }, client.signingKey);
  return read.status === 'valid' ? { kind: 'valid', pointer: read.pointer } : { kind: 'refused', why: read.status };
}

/**
 * Whether the pointer is about this question at all. Another repo's baseline sharing the experiment, params the
 * config no longer uses, or a question about a baseline older than the current one: only the search knows. Pure.
 */
function pointerFits(pointer: BaselinePointer, query: BaselineQuery): boolean {
  if (pointer.repo !== query.repo || pointer.branch !== query.branch || pointer.params !== query.params) return false;
  return query.startedBefore === undefined || pointer.startTime < query.startedBefore;
}

/**
 * What the runs a valid pointer names answer, however they were read (`runs` in the pointer's order; undefined
 * when one of them is gone). Every run must pass the search's rules, and with a key its metrics must be the
 * signed ones: the first run that fails that is the lookup's `rejected`, as the search would report it. Pure.
 */
export function judgePointedRuns(
  pointer: BaselinePointer,
  runs: readonly TrackedRun[] | undefined,
  query: BaselineQuery,
  key: string | undefined,
): PointedBaseline {
  if (!pointerFits(pointer, query) || !runs || !runs.every((run) => answers(run, query, key)))
    return { kind: 'search' };
  const [first] = runs;
  if (!first) return { kind: 'search' };
  if (key === undefined) return { kind: 'found', lookup: { run: first, runs: [...runs] } };
  const checks = runs.map((run) => checkMetrics(key, run));
  const rejected = checks.findIndex((check) => check.status !== 'intact');
  if (rejected >= 0) {
    const check = checks[rejected];
    const run = runs[rejected];
    if (check && check.status !== 'intact' && run) return { kind: 'found', lookup: { rejected: { run, check } } };
  }
  const signed = runs.map((run, i) => {
    const check = checks[i];
    return check?.status === 'intact' ? { ...run, metrics: check.metrics } : run;
  });
  return { kind: 'found', lookup: { run: signed[0], runs: signed } };
}

/** The baseline the branch's pointer names, when it answers this query: the pointer, then one runs/get per run. */
export async function pointedBaseline(client: PointerReader, query: BaselineQuery): Promise<PointedBaseline> {
  const read = await readBranchPointer(client, query.experimentId, query.branch);
  if (read.kind === 'none') return { kind: 'search' };
  if (read.kind === 'refused') return { kind: 'refused', why: read.why };
  // Runs are read only for a pointer that could answer; judgePointedRuns checks the fit again, cheaply.
  if (!pointerFits(read.pointer, query)) return { kind: 'search' };
  return judgePointedRuns(read.pointer, await readRuns(client, read.pointer.runIds), query, client.signingKey);
}

/** What moving needs: MlflowClient has it all; a port without the experiment calls (a test's) keeps no pointer. */
export type PointerMover = Pick<MlflowClient, 'getRun'> &
  Partial<Pick<MlflowClient, 'getExperiment' | 'setExperimentTag'>> &
  RunSigning;

/** The runs of a request that finished: what a baseline refresh points the branch at. */
export function finishedRunIds(runs: ReadonlyArray<{ state: string; runId?: string }>): string[] {
  return runs.flatMap((run) => (run.state === 'finished' && run.runId ? [run.runId] : []));
}

/**
 * Points the branch at a new baseline: its finished run(s), read back so the pointer holds what MLflow has. A
 * pointer already at a newer baseline stays (two merges whose refreshes end out of order), and so does one when
 * none of the runs is a baseline this query would use. Resolves to whether it moved.
 */
export async function moveBaselinePointer(
  client: PointerMover,
  query: Omit<BaselineQuery, 'startedBefore'>,
  runIds: readonly string[],
): Promise<boolean> {
  if (runIds.length === 0 || !client.getExperiment || !client.setExperimentTag) return false;
  const runs = await Promise.all(runIds.map((id) => client.getRun(id)));
  // A refresh with repeats trains one run per seed, each with its own params: the pointer names those the query
  // asks for (the default seed's); the other seeds are looked up with their own params.
  const pointed = runs.filter((run) => answers(run, query, client.signingKey));
  const [first] = pointed;
  if (!first) return false;
  const pointer: BaselinePointer = {
    repo: query.repo,
    branch: query.branch,
    params: query.params,
    sha: first.tags[RUN_TAGS.sha] ?? '',
    runIds: pointed.map((run) => run.info.runId),
    startTime: first.info.startTime,
  };
  const where = { experimentId: query.experimentId, tagKey: pointerTagKey(query.branch) };
  const current = (await client.getExperiment(query.experimentId)).tags[where.tagKey];
  const read = current === undefined ? undefined : readPointer(current, where, client.signingKey);
  if (
    read?.status === 'valid' &&
    read.pointer.repo === pointer.repo &&
    read.pointer.params === pointer.params &&
    read.pointer.startTime > pointer.startTime
  )
    return false;
  await client.setExperimentTag(where.experimentId, where.tagKey, pointerValue(pointer, where, client.signingKey));
  return true;
}
