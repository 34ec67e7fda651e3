// A Runner that "trains" in milliseconds: for each JobSpec it logs metrics computed from the flags to the
// MLflow run named by MLFLOW_RUN_ID, through MLflow's REST API as a training container would, then ends the
// run FINISHED. Lets sweep tests and bench/sweep-100.ts run 100 runs against the real MLflow without
// training 100 models. It records how many runs were in flight at once.
import type { JobSpec, RunHandle, RunOutcome, Runner } from '../../../src/runners/runner.js';
import { claimInProcess, releaseInProcess } from '../../../src/runners/in-process-claims.js';
import { mlflowHeaders } from '../../support/mlflow-tracking.js';

export interface MetricRunnerOptions {
  trackingUri: string;
  delayMs?: number;
  /** Flags (`--alpha` → `alpha`) for which the run fails with exit code 1 instead of logging. */
  failWhen?: (params: Record<string, number>) => boolean;
  /** Added to the rmse: what a seed's split (and its interplay with the params) does, for tests of repeats. */
  rmseNoise?: (params: Record<string, number>) => number;
}

interface FakeRun {
  spec: JobSpec;
  outcome: Promise<RunOutcome>;
  cancel: () => void;
  done: boolean;
}

/** What the fake "model" scores: lower alpha and higher l1_ratio are better, so a test can predict the ranking. */
export function fakeMetrics(params: Record<string, number>): { rmse: number; mae: number; r2: number } {
  const rmse = 0.6 + 0.05 * (params.alpha ?? 0) - 0.02 * (params.l1_ratio ?? 0);
  return { rmse: Number(rmse.toFixed(6)), mae: Number((rmse * 0.8).toFixed(6)), r2: Number((1 - rmse).toFixed(6)) };
}

export function paramsFromArgs(args: readonly string[]): Record<string, number> {
  const params: Record<string, number> = {};
  for (let i = 0; i + 1 < args.length; i += 2)
    params[(args[i] as string).replace(/^--/, '').replace(/-/g, '_')] = Number(args[i + 1]);
  return params;
}

export class MetricRunner implements Runner {
  readonly runs = new Map<string, FakeRun>();
  inFlight = 0;
  maxInFlight = 0;
  /** Added to the rmse of the runs dispatched while it is set: baselines of the same params that score apart. */
  rmseOffset = 0;

  constructor(private readonly options: MetricRunnerOptions) {}

  /** As the container would: with the run's own MLflow user when the bot made one, else the harness admin's. */
  private async mlflow(spec: JobSpec, endpoint: string, body: unknown): Promise<void> {
    const own = spec.credentialEnv;
    const credential =
      own?.MLFLOW_TRACKING_USERNAME && own.MLFLOW_TRACKING_PASSWORD
        ? { username: own.MLFLOW_TRACKING_USERNAME, password: own.MLFLOW_TRACKING_PASSWORD }
        : undefined;
    const response = await fetch(`${this.options.trackingUri}/api/2.0/mlflow/${endpoint}`, {
      method: 'POST',
      headers: mlflowHeaders(credential),
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`MLflow ${endpoint} answered ${response.status}: ${await response.text()}`);
  }

  async dispatch(spec: JobSpec): Promise<RunHandle> {
    const runId = spec.env.MLFLOW_RUN_ID as string;
    const params = paramsFromArgs(spec.args);
    const offset = this.rmseOffset;
    let cancelled = false;
    let wake = () => undefined as void;
    const run: FakeRun = {
      spec,
      done: false,
      outcome: Promise.resolve({ status: 'succeeded' }),
      cancel: () => {
        cancelled = true;
        wake();
      },
    };
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    run.outcome = (async (): Promise<RunOutcome> => {
      try {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.delayMs ?? 50);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (cancelled) return { status: 'cancelled', reason: 'Cancelled on request.' };
        if (this.options.failWhen?.(params))
          return { status: 'failed', reason: 'The training process exited with code 1.' };
        const timestamp = Date.now();
        const scores = fakeMetrics(params);
        scores.rmse = Number((scores.rmse + offset + (this.options.rmseNoise?.(params) ?? 0)).toFixed(6));
        await this.mlflow(spec, 'runs/log-batch', {
          run_id: runId,
          params: Object.entries(params).map(([key, value]) => ({ key, value: String(value) })),
          metrics: Object.entries(scores).map(([key, value]) => ({ key, value, timestamp, step: 0 })),
        });
        await this.mlflow(spec, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
        return { status: 'succeeded' };
      } finally {
        run.done = true;
        this.inFlight -= 1;
      }
    })();
    this.runs.set(spec.name, run);
    return { name: spec.name };
  }

  wait(handle: RunHandle): Promise<RunOutcome> {
    return (
      this.runs.get(handle.name)?.outcome ??
      Promise.resolve({ status: 'failed', reason: `No run named ${handle.name}.` })
    );
  }

  async logs(): Promise<string> {
    return '';
  }

  async cancel(handle: RunHandle): Promise<void> {
    this.runs.get(handle.name)?.cancel();
  }

  async active(labels: Readonly<Record<string, string>>): Promise<RunHandle[]> {
    return [...this.runs.values()]
      .filter((r) => !r.done && Object.entries(labels).every(([k, v]) => r.spec.labels[k] === v))
      .map((r) => ({ name: r.spec.name }));
  }

  claim(key: string): Promise<boolean> {
    return claimInProcess(key);
  }

  release(key: string): Promise<void> {
    return releaseInProcess(key);
  }
}

/** A `/train` comment on PR 12 of `repo` by a collaborator, as onTrainComment receives it. */
export function prComment(repo: string, body: string, commentId: number) {
  return {
    repo,
    issueNumber: 12,
    isPullRequest: true,
    action: 'created' as const,
    commentId,
    body,
    author: { login: 'octocat', type: 'User' as const },
    createdAt: new Date().toISOString(),
  };
}
