// In-memory GitHub, MLflow and runner ports for the pipeline's unit tests: each records what the pipeline
// asked of it, so a test asserts on the check runs, reactions and comments a flow leaves behind. The MLflow
// fake answers searches by the `tags.`k` = 'v'` and `attributes.status` clauses the queries build.
import type {
  BranchPush,
  CheckUpdate,
  GitHubPort,
  IssueComment,
  NewCheck,
  PullRequestInfo,
  Reaction,
} from '../../../src/github/github-port.js';
import { GitHubError } from '../../../src/github/github-port.js';
import type { ClaimInfo, JobSpec, RunHandle, RunOutcome, Runner, RunnerJob } from '../../../src/runners/runner.js';
import type { CreateRunInput, MlflowClient, RunsPage, SearchRunsInput } from '../../../src/tracking/mlflow-client.js';
import type { RunStatus, TrackedRun } from '../../../src/tracking/tracked-run.js';
import { originTags } from '../../../src/runs/run-contract.js';
import { REPO_CONFIG_TEXT } from '../config/repo-config.js';
import { claimInProcess, releaseInProcess } from '../../../src/runners/in-process-claims.js';

export interface CheckRecord extends NewCheck {
  id: number;
  updates: CheckUpdate[];
}

export class MemoryGitHub implements GitHubPort {
  readonly reactions: Reaction[] = [];
  readonly answers: string[] = []; // createComment bodies
  readonly living = new Map<string, string>(); // upsertComment: key → latest body
  readonly posts: string[] = []; // every upsertComment body, in order
  permissionLevel: 'none' | 'read' | 'triage' | 'write' | 'maintain' | 'admin' = 'write';
  readonly checks: CheckRecord[] = [];
  pr: PullRequestInfo = {
    number: 1,
    headSha: 'a'.repeat(40),
    headRef: 'tune-alpha',
    baseRef: 'main',
    headRepoFullName: 'acme/models',
    isFork: false,
    state: 'open',
    merged: false,
  };

  constructor(public configText: string | undefined = REPO_CONFIG_TEXT) {}

  async react(_commentId: number, content: Reaction): Promise<void> {
    this.reactions.push(content);
  }
  async upsertComment(_issue: number, key: string, body: string): Promise<number> {
    this.living.set(key, body);
    this.posts.push(body);
    return 1;
  }
  /** The comments `comment(id)` reads (a re-run reads the command's comment again). */
  readonly comments = new Map<number, IssueComment>();
  async comment(commentId: number): Promise<IssueComment> {
    const found = this.comments.get(commentId);
    if (!found) throw new GitHubError(`trainbot could not read comment ${commentId} (GitHub answered HTTP 404).`, 404);
    return found;
  }
  async createComment(_issue: number, body: string): Promise<number> {
    this.answers.push(body);
    return 2;
  }
  async createCheck(check: NewCheck): Promise<number> {
    this.checks.push({ ...check, id: this.checks.length + 1, updates: [] });
    return this.checks.length;
  }
  async updateCheck(id: number, update: CheckUpdate): Promise<void> {
    this.checks[id - 1]?.updates.push(update);
  }
  async permission(): Promise<MemoryGitHub['permissionLevel']> {
    return this.permissionLevel;
  }
  async pullRequest(): Promise<PullRequestInfo> {
    return this.pr;
  }
  /** The head was pushed well before the event's comment (on-train-comment.test.ts: 2026-01-01T12:00:00Z). */
  pushes: BranchPush[] | undefined = undefined;
  async branchPushes(): Promise<BranchPush[]> {
    return this.pushes ?? [{ after: this.pr.headSha, at: '2026-01-01T11:00:00Z', type: 'push' }];
  }
  async readConfig(): Promise<string | undefined> {
    return this.configText;
  }
}

type TrackingSurface = Pick<
  MlflowClient,
  'ensureExperiment' | 'createRun' | 'getRun' | 'setTerminated' | 'searchRuns' | 'searchAllRuns' | 'setTags'
>;

export class MemoryTracking implements TrackingSurface {
  readonly runs: TrackedRun[] = [];
  /** Set, runs are signed as the deployed bot signs them (src/runs/run-signature.ts, metrics-signature.ts). */
  signingKey?: string;
  /** Called before every request: a test makes MLflow "go away" by throwing from it. */
  beforeRequest: (call: string) => void = () => undefined;
  /** The start time of the next run created without one (MLflow's clock); a test seeding dated runs moves it past them. */
  clock = 1_000;

  async ensureExperiment(): Promise<string> {
    this.beforeRequest('ensureExperiment');
    return '1';
  }
  async createRun(input: CreateRunInput): Promise<TrackedRun> {
    this.beforeRequest('createRun');
    const run: TrackedRun = {
      info: {
        runId: `run-${this.runs.length + 1}`,
        runName: input.runName,
        experimentId: input.experimentId,
        status: 'RUNNING',
        startTime: input.startTime ?? this.clock++,
      },
      metrics: {},
      params: {},
      tags: { ...input.tags },
    };
    this.runs.push(run);
    return structuredClone(run);
  }
  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    this.beforeRequest('setTags');
    Object.assign(this.find(runId).tags, tags);
  }
  async getRun(runId: string): Promise<TrackedRun> {
    this.beforeRequest('getRun');
    return structuredClone(this.find(runId));
  }
  async setTerminated(runId: string, status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>): Promise<void> {
    this.beforeRequest('setTerminated');
    this.find(runId).info.status = status;
  }
  async searchRuns(input: SearchRunsInput): Promise<RunsPage> {
    this.beforeRequest('searchRuns');
    const matching = this.matching(input.filter ?? '');
    return { runs: matching.slice(0, input.maxResults ?? matching.length) };
  }
  async searchAllRuns(
    input: Omit<SearchRunsInput, 'pageToken' | 'maxResults'>,
  ): Promise<{ runs: TrackedRun[]; truncated: boolean }> {
    this.beforeRequest('searchAllRuns');
    return { runs: this.matching(input.filter ?? ''), truncated: false };
  }

  /** What a training container does: log metrics to its run and end it FINISHED. */
  finish(runId: string, metrics: Record<string, number>): void {
    const run = this.find(runId);
    run.metrics = metrics;
    run.info.status = 'FINISHED';
  }

  private find(runId: string): TrackedRun {
    const run = this.runs.find((r) => r.info.runId === runId);
    if (!run) throw new Error(`no run ${runId}`);
    return run;
  }

  /** Runs matching every clause, newest first (as the queries order them); `start_time <` as lookupBaseline asks. */
  private matching(filter: string): TrackedRun[] {
    const clauses = [...filter.matchAll(/(tags\.`([^`]+)`|attributes\.(\w+)) = '([^']*)'/g)];
    const before = Number(/attributes\.start_time < (\d+)/.exec(filter)?.[1] ?? Infinity);
    return this.runs
      .filter((run) =>
        clauses.every(([, , tag, attribute, value]) =>
          tag ? run.tags[tag] === value : attribute === 'status' ? run.info.status === value : true,
        ),
      )
      .filter((run) => run.info.startTime < before)
      .sort((a, b) => b.info.startTime - a.info.startTime)
      .map((run) => structuredClone(run));
  }
}

/**
 * A runner whose runs end as `outcome` says for their spec. A succeeded run logs `metrics` to its MLflow run
 * first, as the training container would; `dispatch` may throw to play a runner or API failure.
 */
export class ScriptedRunner implements Runner {
  readonly dispatched: JobSpec[] = [];
  private readonly specs = new Map<string, JobSpec>();

  constructor(
    private readonly tracking: MemoryTracking,
    private readonly script: {
      outcome?: (spec: JobSpec) => RunOutcome;
      metrics?: Record<string, number> | ((spec: JobSpec) => Record<string, number>);
      dispatch?: (spec: JobSpec) => void;
    } = {},
  ) {}

  async dispatch(spec: JobSpec): Promise<RunHandle> {
    this.script.dispatch?.(spec);
    this.dispatched.push(spec);
    this.specs.set(spec.name, spec);
    return { name: spec.name };
  }
  async wait(handle: RunHandle): Promise<RunOutcome> {
    const spec = this.specs.get(handle.name) as JobSpec;
    const outcome = this.script.outcome?.(spec) ?? { status: 'succeeded' };
    const { metrics = { rmse: 0.7, mae: 0.55, r2: 0.2 } } = this.script;
    if (outcome.status === 'succeeded')
      this.tracking.finish(spec.env.MLFLOW_RUN_ID as string, typeof metrics === 'function' ? metrics(spec) : metrics);
    return outcome;
  }
  async logs(): Promise<string> {
    return '';
  }
  readonly cancelled: string[] = [];
  /** Runs the cluster still has, as `active` lists them. */
  running: RunHandle[] = [];
  async cancel(handle: RunHandle): Promise<void> {
    this.cancelled.push(handle.name);
  }
  async active(): Promise<RunHandle[]> {
    return this.running;
  }
  claim(key: string): Promise<boolean> {
    return claimInProcess(key);
  }
  release(key: string): Promise<void> {
    return releaseInProcess(key);
  }
}

export const silentLog = { info: () => undefined, error: () => undefined };

/**
 * A ScriptedRunner whose claims are kept like KubernetesRunner's Leases: with notes, and live only while their
 * holder renews them. `expire(key)` plays a holder killed with -9; `jobs` is the cluster's Jobs.
 */
export class ClaimingRunner extends ScriptedRunner {
  leases = new Map<string, { notes: Record<string, string>; live: boolean }>(); // share it to play two processes
  readonly clusterJobs: RunnerJob[] = [];
  readonly notesLog: Array<Record<string, string>> = [];

  override async claim(key: string, notes: Readonly<Record<string, string>> = {}): Promise<boolean> {
    const lease = this.leases.get(key);
    if (lease?.live) return false;
    this.leases.set(key, { notes: { ...lease?.notes, ...notes }, live: true });
    return true;
  }
  override async release(key: string): Promise<void> {
    this.leases.delete(key);
  }
  async abandon(key: string): Promise<void> {
    const lease = this.leases.get(key);
    if (lease) lease.live = false;
  }
  async noteClaim(key: string, notes: Readonly<Record<string, string>>): Promise<void> {
    const lease = this.leases.get(key);
    if (!lease) return;
    Object.assign(lease.notes, notes);
    this.notesLog.push({ ...notes });
  }
  expire(key: string): void {
    const lease = this.leases.get(key);
    if (lease) lease.live = false;
  }
  async claims(): Promise<ClaimInfo[]> {
    return [...this.leases].map(([key, l]) => ({ key, notes: { ...l.notes }, live: l.live }));
  }
  async jobs(): Promise<RunnerJob[]> {
    return this.clusterJobs.map((j) => ({ ...j }));
  }
}

/**
 * MLflow as a merged PR leaves it: main's previous baseline (rmse 0.74) and the PR's one candidate (#7,
 * alpha=0.1, rmse 0.69), both finished.
 */
export async function trainedPullRequest(repo = 'acme/models'): Promise<MemoryTracking> {
  const tracking = new MemoryTracking();
  const origin = { repo, sha: 'b'.repeat(40), params: 'alpha=0.5 l1_ratio=0.5 seed=42' };
  const previous = await tracking.createRun({
    experimentId: '1',
    runName: 'trainbot-baseline-1',
    tags: originTags({ ...origin, branch: 'main', request: 'merge-1', role: 'baseline' }),
  });
  tracking.finish(previous.info.runId, { rmse: 0.74, mae: 0.6, r2: 0.1 });
  const candidate = await tracking.createRun({
    experimentId: '1',
    runName: 'trainbot-pr7-1',
    tags: originTags({
      ...origin,
      sha: 'c'.repeat(40),
      pr: 7,
      branch: 'fix',
      request: '99',
      role: 'candidate',
      params: 'alpha=0.1 l1_ratio=0.5 seed=42',
    }),
  });
  tracking.finish(candidate.info.runId, { rmse: 0.69, mae: 0.55, r2: 0.22 });
  return tracking;
}
