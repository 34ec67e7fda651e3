// The questions reports ask MLflow, answered only from bot-tagged runs: PR code writes to the same server,
// so a run it logs on its own must never pose as a baseline (DESIGN.md "Run tags").
import { RUN_TAGS } from '../runs/run-contract.js';
import type { AllRuns, MlflowClient } from './mlflow-client.js';
import { type Clause, buildFilter } from './search-filter.js';
import type { TrackedRun } from './tracked-run.js';

type Searcher = Pick<MlflowClient, 'searchRuns' | 'searchAllRuns'>;

const NEWEST_FIRST = ['attributes.start_time DESC'];

export interface BaselineQuery {
  experimentId: string;
  repo: string;
  branch: string;
  /** The canonical params string (RunOrigin.params) the baseline must have been trained with. */
  params: string;
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

/** The newest FINISHED baseline run of that repo, branch and params, in exactly one runs/search request. */
export async function findBaseline(client: Searcher, query: BaselineQuery): Promise<TrackedRun | undefined> {
  const page = await client.searchRuns({
    experimentIds: [query.experimentId], filter: baselineFilter(query), orderBy: NEWEST_FIRST, maxResults: 1,
  });
  return page.runs[0];
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
  return client.searchAllRuns({ experimentIds: [query.experimentId], filter, orderBy: NEWEST_FIRST }, cap);
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
  return client.searchAllRuns({ experimentIds: [query.experimentId], filter, orderBy: NEWEST_FIRST }, cap);
}
