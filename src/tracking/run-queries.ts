// The questions reports ask MLflow, answered only from bot-tagged runs: PR code writes to the same server,
// so a run it logs on its own must never pose as a baseline (DESIGN.md "Run tags"). It can also re-tag the run
// the bot created for it, so when the client carries a signing key, runs whose signature does not verify are
// dropped (src/runs/run-signature.ts). It can also log new values on a finished run: with a key, a baseline is
// used only while its compared metrics are the ones the bot signed when it ended (src/runs/metrics-signature.ts).
import { type MetricsCheck, type RejectedMetrics, checkMetrics } from '../runs/metrics-signature.js';
import { RUN_TAGS } from '../runs/run-contract.js';
import type { Baseline } from '../report/compare.js';
import { verifyRun } from '../runs/run-signature.js';
import type { AllRuns } from './mlflow-client.js';
import type { RefusedPointer } from '../runs/baseline-pointer.js';
import { pointedBaseline } from './pointed-baseline.js';
import { type Clause, buildFilter } from './search-filter.js';
import type { TrackedRun } from './tracked-run.js';
import type { Tracking } from './tracking.js';

type Searcher = Pick<Tracking, 'searchRuns' | 'searchAllRuns' | 'signingKey'> &
  Partial<Pick<Tracking, 'getExperiment' | 'getRun'>>;

const NEWEST_FIRST = ['attributes.start_time DESC'];
/**
 * How many newest matches findBaseline reads when it verifies: forged look-alikes newer than the real baseline
 * push it down the list, and more than this many hide it (the report then says there is no baseline; it never
 * shows a forged one).
 */
export const BASELINE_CANDIDATES = 10;

function trusted(client: Searcher, runs: TrackedRun[]): TrackedRun[] {
  const key = client.signingKey;
  return key === undefined ? runs : runs.filter((run) => verifyRun(key, run));
}

export interface BaselineQuery {
  experimentId: string;
  repo: string;
  branch: string;
  /** The canonical params string (RunOrigin.params) the baseline must have been trained with. */
  params: string;
  /** Only baselines started before this time (ms): the one a candidate was compared with when it started. */
  startedBefore?: number;
}

export function baselineFilter(query: BaselineQuery): string {
  const clauses: Clause[] = [
    { attribute: 'status', equals: 'FINISHED' },
    { tag: RUN_TAGS.role, equals: 'baseline' },
    { tag: RUN_TAGS.repo, equals: query.repo },
    { tag: RUN_TAGS.branch, equals: query.branch },
    { tag: RUN_TAGS.params, equals: query.params },
  ];
  return buildFilter(clauses);
}

/** What the metrics of a finished run say: `intact` keeps only the signed metrics; undefined without a key. */
export function checkRunMetrics(client: Searcher, run: TrackedRun): MetricsCheck | undefined {
  return client.signingKey === undefined ? undefined : checkMetrics(client.signingKey, run);
}

export interface BaselineLookup {
  /** The baseline to compare with; with a key, its metrics are exactly the signed ones. */
  run?: TrackedRun;
  /** The newest baseline, not used because its metrics changed after the bot recorded them (or were never recorded). */
  rejected?: { run: TrackedRun; check: RejectedMetrics };
  /** Every run of the baseline when its pointer names several (repeats of one sha), `run` first. */
  runs?: TrackedRun[];
  /** The branch's baseline pointer was there and not used (not the bot's); the search answered instead. */
  refusedPointer?: RefusedPointer;
}

/**
 * The baseline to compare with: first where the branch's pointer says (src/tracking/pointed-baseline.ts: one
 * experiments/get and one runs/get, whatever the server holds), else by searchBaseline. A pointer that is there
 * but not the bot's is not used, and the lookup says so.
 */
export async function lookupBaseline(client: Searcher, query: BaselineQuery): Promise<BaselineLookup> {
  const { getExperiment, getRun } = client;
  if (getExperiment === undefined || getRun === undefined) return searchBaseline(client, query);
  const pointed = await pointedBaseline(
    { getExperiment: getExperiment.bind(client), getRun: getRun.bind(client), signingKey: client.signingKey },
    query,
  );
  if (pointed.kind === 'found') return pointed.lookup;
  const found = await searchBaseline(client, query);
  return pointed.kind === 'refused' ? { ...found, refusedPointer: pointed.why } : found;
}

/**
 * The newest FINISHED (and, with a key, verified) baseline of that repo, branch and params, in one runs/search
 * request. With a key its metrics must also be the signed ones; when they are not, that baseline is rejected
 * rather than replaced by an older one, so the report says what happened instead of quietly comparing with
 * something else. MLflow has no index on tag values, so this search reads the tags of every run on the server.
 */
export async function searchBaseline(client: Searcher, query: BaselineQuery): Promise<BaselineLookup> {
  const before =
    query.startedBefore === undefined ? '' : ` AND attributes.start_time < ${Math.trunc(query.startedBefore)}`;
  const page = await client.searchRuns({
    experimentIds: [query.experimentId],
    filter: `${baselineFilter(query)}${before}`,
    orderBy: NEWEST_FIRST,
    maxResults: client.signingKey === undefined ? 1 : BASELINE_CANDIDATES,
  });
  const newest = trusted(client, page.runs)[0];
  if (!newest) return {};
  const check = checkRunMetrics(client, newest);
  if (check === undefined) return { run: newest };
  if (check.status !== 'intact') return { rejected: { run: newest, check } };
  return { run: { ...newest, metrics: check.metrics } };
}

/**
 * The newest `count` FINISHED baselines of that repo, branch and params that can be trusted, newest first, in one
 * runs/search request: with a key, a run whose signature does not verify or whose metrics are not the signed ones
 * is left out (a chart of the trend must not show a value PR code logged), and the others carry the signed metrics.
 */
export async function findTrendBaselines(client: Searcher, query: BaselineQuery, count: number): Promise<TrackedRun[]> {
  if (count <= 0) return [];
  const page = await client.searchRuns({
    experimentIds: [query.experimentId],
    filter: baselineFilter(query),
    orderBy: NEWEST_FIRST,
    maxResults: count,
  });
  return trusted(client, page.runs).flatMap((run) => {
    const check = checkRunMetrics(client, run);
    if (check === undefined) return [run];
    return check.status === 'intact' ? [{ ...run, metrics: check.metrics }] : [];
  });
}

/** The baseline lookupBaseline would compare with, or undefined (none, or rejected). */
export async function findBaseline(client: Searcher, query: BaselineQuery): Promise<TrackedRun | undefined> {
  return (await lookupBaseline(client, query)).run;
}

export interface PullRequestQuery {
  experimentId: string;
  repo: string;
  pr: number;
}

/** Every bot-tagged run of one pull request, any role and status, newest first. */
export async function findPullRequestRuns(client: Searcher, query: PullRequestQuery, cap?: number): Promise<AllRuns> {
  const filter = buildFilter([
    { tag: RUN_TAGS.repo, equals: query.repo },
    { tag: RUN_TAGS.pr, equals: String(query.pr) },
  ]);
  const found = await client.searchAllRuns({ experimentIds: [query.experimentId], filter, orderBy: NEWEST_FIRST }, cap);
  return { ...found, runs: trusted(client, found.runs) };
}

export interface RequestQuery {
  experimentId: string;
  repo: string;
  /** The comment id, delivery id or CLI request id stored in trainbot.request. */
  request: string;
}

/** The runs already created for one request: a redelivered webhook finds them and does not start them again. */
export async function findRequestRuns(client: Searcher, query: RequestQuery, cap?: number): Promise<AllRuns> {
  const filter = buildFilter([
    { tag: RUN_TAGS.repo, equals: query.repo },
    { tag: RUN_TAGS.request, equals: query.request },
  ]);
  const found = await client.searchAllRuns({ experimentIds: [query.experimentId], filter, orderBy: NEWEST_FIRST }, cap);
  return { ...found, runs: trusted(client, found.runs) };
}

/** A baseline run as the report compares with it. */
export function toBaseline(run: TrackedRun | undefined): Baseline | undefined {
  if (!run) return undefined;
  return {
    runId: run.info.runId,
    sha: run.tags[RUN_TAGS.sha] ?? '',
    startTime: run.info.startTime,
    metrics: run.metrics,
  };
}
