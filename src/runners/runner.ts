// The Runner port: how a planned run becomes a running training container and an outcome.
// Adapters: KubernetesRunner (a Job per run) and LocalRunner (a child process with the same env and args).

/** An environment variable whose value comes from a Kubernetes Secret, never inline. */
export interface SecretEnvRef {
  env: string; // variable name in the container
  secret: string; // Secret name
  key: string; // key inside the Secret
}

/** Everything a runner needs to start one training container. Built by jobSpecFor (src/runs/job-spec.ts). */
export interface JobSpec {
  name: string; // deterministic, a valid DNS-1123 label (≤ 63 chars)
  image: string; // the configured image: imageRef (src/runs/image-ref.ts), or its digest
  command: readonly string[]; // the container's entrypoint, e.g. ["python", "train.py"]
  args: readonly string[]; // validated params as flags, e.g. ["--alpha", "0.5"]; never a shell
  env: Readonly<Record<string, string>>; // MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME, MLFLOW_RUN_ID
  secretEnv: readonly SecretEnvRef[]; // credentials by reference
  /**
   * Credentials made for this run only (its own MLflow user): KubernetesRunner puts them in a Secret owned by
   * the Job and references it; LocalRunner hands them to the child process.
   */
  credentialEnv?: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>; // app.kubernetes.io/* and trainbot.dev/* (pr, sha, request)
  timeoutSeconds: number; // activeDeadlineSeconds, and the local runner's kill timer
  backoffLimit: number;
  ttlSecondsAfterFinished: number;
  resources: {
    requests: Readonly<Record<string, string>>;
    limits: Readonly<Record<string, string>>;
  };
}

export interface RunHandle {
  name: string; // the JobSpec name
}

/** `RunOutcome.image` of a run that was a local process, not a container: there is no image to name. */
export const LOCAL_PROCESS = 'local';

/**
 * `image`: what ran, for the report's reproducibility footer. KubernetesRunner gives the image by digest as the
 * Pod reports it (containerStatuses[].imageID); LocalRunner gives LOCAL_PROCESS; absent when the runtime did not say.
 */
export type RunOutcome =
  | { status: 'succeeded'; image?: string }
  | { status: 'failed'; reason: string; image?: string } // reason is a sentence for users (exit code, OOMKilled, image pull …)
  | { status: 'timeout'; reason: string }
  | { status: 'cancelled'; reason: string };

export interface Runner {
  /** Starts the container; resolves once the runtime accepted it. Throws RunnerError with a user sentence. */
  dispatch(spec: JobSpec): Promise<RunHandle>;
  /** Resolves when the run ends (never rejects on a failed run: that is an outcome). */
  wait(handle: RunHandle): Promise<RunOutcome>;
  /** The last `tailLines` lines of the container's output ('' when there is none yet). */
  logs(handle: RunHandle, tailLines: number): Promise<string>;
  /** Stops the run; cancelling a finished or unknown run is not an error. */
  cancel(handle: RunHandle): Promise<void>;
  /** Runs not yet finished whose labels include all of `labels` (for `/train cancel`). */
  active(labels: Readonly<Record<string, string>>): Promise<RunHandle[]>;
  /**
   * Takes the request `key` for this process, or answers false when any process using the same runtime holds
   * it: two bot replicas (or a redelivery racing the first delivery) start one set of runs. Held until release.
   * `notes` (repository, PR, comment …) stay with the claim, for a reconciler that finishes a request whose
   * process died (KubernetesRunner keeps them on the Lease; it also takes over a claim its holder stopped renewing).
   */
  claim(key: string, notes?: Readonly<Record<string, string>>): Promise<boolean>;
  /** Gives a claim back once its request has ended; releasing a claim that is gone or not held is not an error. */
  release(key: string): Promise<void>;
  /** Stops renewing a claim without giving it back: it expires, and another pass may take its request over. */
  abandon?(key: string): Promise<void>;
  /** Adds notes to a claim this process holds (the check run id, once known). */
  noteClaim?(key: string, notes: Readonly<Record<string, string>>): Promise<void>;
  /** Every claim in the runtime, live (held and renewed) or not: what a reconciler looks at. */
  claims?(): Promise<ClaimInfo[]>;
  /** Every trainbot Job in the runtime, finished or not: a reconciler deletes those no request claims. */
  jobs?(): Promise<RunnerJob[]>;
}

export interface ClaimInfo {
  key: string;
  notes: Record<string, string>;
  live: boolean; // renewed within its duration: some process works on it
}

export interface RunnerJob {
  name: string;
  labels: Record<string, string>;
  finished: boolean;
  /** Created but never started: a Job waits suspended for its credential Secret (kubernetes-runner.ts dispatch). */
  suspended?: boolean;
}

/** A runner failure a user can act on; `message` is one sentence safe to post in a PR comment. */
export class RunnerError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'RunnerError';
  }
}
