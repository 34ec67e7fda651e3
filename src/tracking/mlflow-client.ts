// The Tracking adapter (DESIGN.md "ports"): MLflow's REST API, /api/2.0/mlflow, over global fetch.
// Only the calls trainbot makes; each is one request except ensureExperiment (get, then create) and
// searchAllRuns (one per page). Failure handling lives in MlflowHttp.
import { concurrencyFromEnv } from './concurrency-limit.js';
import { MLFLOW_CONCURRENCY, MlflowHttp, type MlflowAuth, type MlflowHttpOptions } from './mlflow-http.js';
import { type MlflowRunJson, type RunStatus, type TrackedRun, normalizeRun, toKeyValues } from './tracked-run.js';
import { TrackingError, isTrackingCode } from './tracking-error.js';

export interface Experiment {
  experimentId: string;
  name: string;
  lifecycleStage: string;
}

/** An experiment with its tags: where the bot keeps each branch's baseline pointer (src/runs/baseline-pointer.ts). */
export interface TaggedExperiment extends Experiment {
  tags: Record<string, string>;
}

export interface CreateRunInput {
  experimentId: string;
  runName: string;
  tags: Record<string, string>;
  /** Milliseconds since the epoch; default now. */
  startTime?: number;
}

export interface SearchRunsInput {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

export interface RunsPage {
  runs: TrackedRun[];
  nextPageToken?: string;
}

export interface AllRuns {
  runs: TrackedRun[];
  /** True when the cap stopped the paging before MLflow ran out of runs. */
  truncated: boolean;
}

/** MLflow's largest page is 50,000 runs; smaller pages keep each answer quick. */
const PAGE_SIZE = 1000;

/** MLFLOW_TRACKING_URI and its credential (MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD), checked; throws a sentence for users. */
export function trackingOptionsFromEnv(
  env: Record<string, string | undefined>,
): Pick<MlflowHttpOptions, 'trackingUri' | 'auth'> {
  const uri = env.MLFLOW_TRACKING_URI?.trim();
  if (!uri) {
    throw new TrackingError(
      'MLFLOW_TRACKING_URI is not set; set it to the URL of your MLflow server, e.g. http://mlflow:5000.',
    );
  }
  if (!/^https?:\/\/[^/]/i.test(uri)) {
    throw new TrackingError(
      `MLFLOW_TRACKING_URI must be the http(s) URL of an MLflow server, not "${uri.replace(/\/\/[^@/]*@/, '//')}"; ` +
        'trainbot talks to MLflow over REST.',
    );
  }
  let auth: MlflowAuth | undefined;
  if (env.MLFLOW_TRACKING_TOKEN) auth = { token: env.MLFLOW_TRACKING_TOKEN };
  else if (env.MLFLOW_TRACKING_USERNAME || env.MLFLOW_TRACKING_PASSWORD) {
    if (!env.MLFLOW_TRACKING_USERNAME || !env.MLFLOW_TRACKING_PASSWORD) {
      throw new TrackingError(
        'Only one of MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD is set; set both, or neither.',
      );
    }
    auth = { username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD };
  }
  return { trackingUri: uri, ...(auth ? { auth } : {}) };
}

export class MlflowClient {
  /** HTTP attempts made so far (retries included): benchmarks report it. */
  requests = 0;
  private readonly http: MlflowHttp;

  constructor(options: MlflowHttpOptions) {
    const onRequest = options.onRequest;
    this.http = new MlflowHttp({
      ...options,
      onRequest: (event) => {
        this.requests += 1;
        onRequest?.(event);
      },
    });
  }

  /** The client for MLFLOW_TRACKING_URI with MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD, as MLflow's own client reads them. */
  static fromEnv(
    env: Record<string, string | undefined>,
    options: Omit<MlflowHttpOptions, 'trackingUri' | 'auth'> = {},
  ): MlflowClient {
    const maxConcurrent =
      options.maxConcurrent ?? concurrencyFromEnv(env, 'TRAINBOT_MLFLOW_CONCURRENCY', MLFLOW_CONCURRENCY);
    return new MlflowClient({ ...options, maxConcurrent, ...trackingOptionsFromEnv(env) });
  }

  /** The queue in front of the server: its size and peaks (benchmarks report them). */
  get limit(): MlflowHttp['limit'] {
    return this.http.limit;
  }

  /** The server's URL as it may be shown to people (no credentials). */
  get url(): string {
    return this.http.url;
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const json = await this.http.call<{
        experiment?: { experiment_id: string; name: string; lifecycle_stage?: string };
      }>({
        method: 'GET',
        endpoint: 'experiments/get-by-name',
        query: { experiment_name: name },
        operation: `looking up experiment "${name}"`,
      });
      if (!json.experiment) return undefined;
      return {
        experimentId: json.experiment.experiment_id,
        name: json.experiment.name,
        lifecycleStage: json.experiment.lifecycle_stage ?? 'active',
      };
    } catch (error) {
      if (isTrackingCode(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw error;
    }
  }

  /** The experiment and its tags, by id: one primary-key read however many runs the server holds. */
  async getExperiment(experimentId: string): Promise<TaggedExperiment> {
    const json = await this.http.call<{
      experiment: {
        experiment_id: string;
        name: string;
        lifecycle_stage?: string;
        tags?: Array<{ key: string; value: string }>;
      };
    }>({
      method: 'GET',
      endpoint: 'experiments/get',
      query: { experiment_id: experimentId },
      operation: `reading experiment ${experimentId}`,
    });
    const tags: Record<string, string> = {};
    for (const { key, value } of json.experiment.tags ?? []) tags[key] = value;
    return {
      experimentId: json.experiment.experiment_id,
      name: json.experiment.name,
      lifecycleStage: json.experiment.lifecycle_stage ?? 'active',
      tags,
    };
  }

  /** Sets (overwrites) one experiment tag; MLflow needs EDIT on the experiment for it. */
  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.http.call({
      method: 'POST',
      endpoint: 'experiments/set-experiment-tag',
      body: { experiment_id: experimentId, key, value },
      operation: `setting tag ${key} on experiment ${experimentId}`,
    });
  }

  /** Creates the experiment and returns its id. */
  async createExperiment(name: string): Promise<string> {
    const json = await this.http.call<{ experiment_id: string }>({
      method: 'POST',
      endpoint: 'experiments/create',
      body: { name },
      operation: `creating experiment "${name}"`,
    });
    return json.experiment_id;
  }

  /** The experiment's id, creating it when missing; two bots racing to create it both get the same id. */
  async ensureExperiment(name: string): Promise<string> {
    const existing = await this.getExperimentByName(name);
    if (existing) return this.activeId(existing);
    try {
      return await this.createExperiment(name);
    } catch (error) {
      if (!isTrackingCode(error, 'RESOURCE_ALREADY_EXISTS')) throw error;
      const winner = await this.getExperimentByName(name);
      if (!winner) throw error;
      return this.activeId(winner);
    }
  }

  async createRun(input: CreateRunInput): Promise<TrackedRun> {
    const json = await this.http.call<{ run: MlflowRunJson }>({
      method: 'POST',
      endpoint: 'runs/create',
      body: {
        experiment_id: input.experimentId,
        run_name: input.runName,
        start_time: input.startTime ?? Date.now(),
        tags: toKeyValues(input.tags),
      },
      operation: `creating run "${input.runName}"`,
      idempotent: false,
    });
    return normalizeRun(json.run);
  }

  /** Sets (overwrites) the tags in one runs/log-batch request. */
  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    await this.http.call({
      method: 'POST',
      endpoint: 'runs/log-batch',
      body: { run_id: runId, tags: toKeyValues(tags) },
      operation: `tagging run ${runId}`,
    });
  }

  async setTerminated(
    runId: string,
    status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>,
    endTime: number = Date.now(),
  ): Promise<void> {
    await this.http.call({
      method: 'POST',
      endpoint: 'runs/update',
      body: { run_id: runId, status, end_time: endTime },
      operation: `ending run ${runId}`,
    });
  }

  async getRun(runId: string): Promise<TrackedRun> {
    const json = await this.http.call<{ run: MlflowRunJson }>({
      method: 'GET',
      endpoint: 'runs/get',
      query: { run_id: runId },
      operation: `reading run ${runId}`,
    });
    return normalizeRun(json.run);
  }

  async searchRuns(input: SearchRunsInput): Promise<RunsPage> {
    const json = await this.http.call<{ runs?: MlflowRunJson[]; next_page_token?: string }>({
      method: 'POST',
      endpoint: 'runs/search',
      body: {
        experiment_ids: input.experimentIds,
        ...(input.filter ? { filter: input.filter } : {}),
        ...(input.orderBy ? { order_by: input.orderBy } : {}),
        ...(input.maxResults === undefined ? {} : { max_results: input.maxResults }),
        ...(input.pageToken ? { page_token: input.pageToken } : {}),
      },
      operation: 'the run search',
    });
    // MLflow leaves out `runs` when nothing matched, and `next_page_token` on the last page.
    const runs = (json.runs ?? []).map(normalizeRun);
    return json.next_page_token ? { runs, nextPageToken: json.next_page_token } : { runs };
  }

  /** Follows next_page_token until MLflow runs out of runs or `cap` runs were read (default 5,000). */
  async searchAllRuns(input: Omit<SearchRunsInput, 'pageToken' | 'maxResults'>, cap = 5000): Promise<AllRuns> {
    const runs: TrackedRun[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.searchRuns({
        ...input,
        maxResults: Math.min(PAGE_SIZE, cap - runs.length),
        ...(pageToken ? { pageToken } : {}),
      });
      runs.push(...page.runs);
      pageToken = page.nextPageToken;
    } while (pageToken && runs.length < cap);
    return { runs, truncated: pageToken !== undefined };
  }

  private activeId(experiment: Experiment): string {
    if (experiment.lifecycleStage === 'deleted') {
      throw new TrackingError(
        `The MLflow experiment "${experiment.name}" is deleted; restore it in MLflow ` +
          '(mlflow experiments restore) or choose another experiment name in .github/trainbot.yml.',
      );
    }
    return experiment.experimentId;
  }
}
