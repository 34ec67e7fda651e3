// The Probot app: wiring only. Each event becomes a plain value for a pipeline function, with the
// adapters it needs (GitHub for the event's repository, MLflow, Kubernetes). Read a `/train` comment's
// path in src/pipeline/on-train-comment.ts.
import type { ApplicationFunction, Context } from 'probot';
import type { TrainbotConfig } from './config/config-types.js';
import type { WorkflowRepository } from './github/actions-adapter.js';
import { OctokitGitHub } from './github/octokit-github.js';
import type { ImageWait } from './pipeline/await-image.js';
import { type CheckRerunEvent, onCheckRerequested } from './pipeline/on-check-rerequested.js';
import { type PullRequestClosedEvent, onPullRequestClosed } from './pipeline/on-pr-closed.js';
import { type CommentEvent, loadConfig, onTrainComment } from './pipeline/on-train-comment.js';
import { type ReconcileAction, reconcileOnce, startReconciler } from './pipeline/reconcile.js';
import { heldSecrets } from './report/held-secrets.js';
import { recoveryMarkdown, recoverySummary } from './report/render-recovery.js';
import { RegistryClient } from './registry/registry-client.js';
import { KubernetesRunner } from './runners/kubernetes/kubernetes-runner.js';
import type { Runner } from './runners/runner.js';
import { SIGNING_KEY_ENV, signingKeyFromEnv, withSigningKey } from './runs/run-signature.js';
import { MlflowClient } from './tracking/mlflow-client.js';
import { MlflowModelRegistry, withModelRegistry } from './tracking/model-registry.js';
import { MlflowRunCredentials, withRunCredentials } from './tracking/run-credentials.js';

export interface AppDeps {
  tracking: MlflowClient;
  runnerFor: (config: TrainbotConfig) => Runner;
  /** Where people open a run: MLflow's UI as they reach it (defaults to the tracking URI). */
  uiUrl?: string;
  commentIntervalMs?: number;
  now?: () => number;
  /** Values hidden in every log tail the bot posts (src/report/held-secrets.ts). */
  secrets?: readonly string[];
  /** Pin Jobs to the digest CI pushed for the commit, waiting for its build; without it Jobs name the tag. */
  images?: ImageWait;
}

export function commentEvent(payload: Context<'issue_comment.created'>['payload']): CommentEvent {
  return {
    repo: payload.repository.full_name,
    issueNumber: payload.issue.number,
    isPullRequest: Boolean(payload.issue.pull_request),
    action: payload.action,
    commentId: payload.comment.id,
    body: payload.comment.body ?? '',
    author: { login: payload.comment.user?.login ?? '', type: payload.comment.user?.type ?? 'User' },
    createdAt: payload.comment.created_at,
    installationId: payload.installation?.id,
  };
}

export function closedEvent(payload: Context<'pull_request.closed'>['payload']): PullRequestClosedEvent {
  const pr = payload.pull_request;
  return {
    repo: payload.repository.full_name,
    number: pr.number,
    merged: Boolean(pr.merged),
    mergeCommitSha: pr.merge_commit_sha ?? null,
    baseRef: pr.base.ref,
    installationId: payload.installation?.id,
  };
}

export function rerunEvent(payload: Context<'check_run.rerequested'>['payload']): CheckRerunEvent {
  const run = payload.check_run;
  return {
    repo: payload.repository.full_name,
    checkRunId: run.id,
    name: run.name,
    externalId: run.external_id ?? '',
    headSha: run.head_sha,
    sender: { login: payload.sender.login, type: payload.sender.type },
  };
}

/** A run's page in MLflow's UI, when the UI's address is known. */
function runLink(ui: string | undefined): ((experimentId: string, runId: string) => string) | undefined {
  const uiUrl = (ui ?? '').replace(/\/+$/, '');
  return uiUrl ? (experimentId, runId) => `${uiUrl}/#/experiments/${experimentId}/runs/${runId}` : undefined;
}

export function createApp(deps: AppDeps): ApplicationFunction {
  const runUrl = runLink(deps.uiUrl);
  return (app) => {
    // What every handler gets: the event's repository on GitHub, MLflow, the runner, its logger.
    const common = (context: Context) => ({
      github: OctokitGitHub.fromContext(context),
      tracking: deps.tracking,
      runnerFor: deps.runnerFor,
      log: context.log,
      runUrl,
      now: deps.now,
      images: deps.images,
      secrets: deps.secrets,
    });
    app.on('issue_comment.created', async (context) => {
      await onTrainComment(commentEvent(context.payload), {
        ...common(context),
        commentIntervalMs: deps.commentIntervalMs,
      });
    });
    app.on('check_run.rerequested', async (context) => {
      await onCheckRerequested(rerunEvent(context.payload), {
        ...common(context),
        commentIntervalMs: deps.commentIntervalMs,
      });
    });
    app.on('pull_request.closed', async (context) => {
      await onPullRequestClosed(closedEvent(context.payload), common(context));
    });
  };
}

const IMAGE_WAIT_MINUTES = 20;
const RECONCILE_SECONDS = 60;
const DEFAULT_NAMESPACE = 'trainbot-training'; // the config's default namespace (src/config/config-schema.ts)

/**
 * Where the reconciler looks and how often (docs/design.md, "Reconciler"): TRAINBOT_NAMESPACE (default
 * trainbot-training, the config's default) and TRAINBOT_RECONCILE_INTERVAL_SECONDS (default 60; 0 turns it off).
 * Off in a workflow step (GITHUB_ACTIONS): that process handles one event and exits.
 */
export function reconcileFromEnv(env: NodeJS.ProcessEnv): { namespace: string; intervalMs: number } {
  const seconds =
    env.GITHUB_ACTIONS === 'true' ? 0 : Number(env.TRAINBOT_RECONCILE_INTERVAL_SECONDS ?? RECONCILE_SECONDS);
  return {
    namespace: env.TRAINBOT_NAMESPACE || DEFAULT_NAMESPACE,
    intervalMs: (Number.isFinite(seconds) && seconds >= 0 ? seconds : RECONCILE_SECONDS) * 1000,
  };
}

/**
 * The registry the training images are read from, with TRAINBOT_REGISTRY_USERNAME/PASSWORD when set (ghcr.io
 * hands anonymous pull tokens for public packages), and how long a run waits for CI to push its image
 * (TRAINBOT_IMAGE_WAIT_MINUTES, default 20: a cold training.yml run takes about 10).
 */
export function imageWaitFromEnv(env: NodeJS.ProcessEnv): ImageWait {
  const minutes = Number(env.TRAINBOT_IMAGE_WAIT_MINUTES ?? IMAGE_WAIT_MINUTES);
  const { TRAINBOT_REGISTRY_USERNAME: username, TRAINBOT_REGISTRY_PASSWORD: password } = env;
  return {
    registry: new RegistryClient({ credentials: username && password ? { username, password } : undefined }),
    timeoutMs: (Number.isFinite(minutes) && minutes > 0 ? minutes : IMAGE_WAIT_MINUTES) * 60_000,
    intervalMs: 15_000,
  };
}

/** The reconciler's runner; without a cluster to reach, the bot still answers commands (and says so). */
function reconcilerRunner(namespace: string, log: { warn(message: string): void }): KubernetesRunner | undefined {
  try {
    return new KubernetesRunner({ namespace });
  } catch (error) {
    log.warn(`the reconciler is off: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/**
 * MLflow as the deployed bot uses it: from MLFLOW_* variables, runs signed with TRAINBOT_SIGNING_KEY, and an
 * MLflow user of its own for each Job (src/tracking/run-credentials.ts); the bot keeps the admin's, with which
 * it also registers merged models (src/tracking/model-registry.ts).
 */
function deployedTracking(env: NodeJS.ProcessEnv, log: { warn(message: string): void }): MlflowClient {
  const signingKey = signingKeyFromEnv(env);
  // Unsigned still works (as before signing existed), but then a Job can make its run pass for a baseline.
  if (signingKey === undefined) {
    log.warn(
      `${SIGNING_KEY_ENV} is not set: runs are not signed, so a training job could re-tag its run as the baseline; set it to a random secret the Jobs never see.`,
    );
  }
  const client = MlflowClient.fromEnv(env);
  // The registry shares the client's queue in front of MLflow; only a config with `registry` uses it.
  return withModelRegistry(
    withRunCredentials(
      withSigningKey(client, signingKey),
      MlflowRunCredentials.fromEnv(env, (m) => log.warn(m)),
    ),
    MlflowModelRegistry.fromEnv(env, { limit: client.limit }),
  );
}

/**
 * The deployed app: MLflow from MLFLOW_* variables, runs signed with TRAINBOT_SIGNING_KEY, Jobs in the
 * configured namespace of the current cluster, each pinned to the digest CI pushed for its commit.
 */
const app: ApplicationFunction = (probot, options) => {
  const tracking = deployedTracking(process.env, probot.log);
  const uiUrl = process.env.MLFLOW_UI_URL ?? process.env.MLFLOW_TRACKING_URI;
  // At start-up and every interval: finish the requests a dead bot process left (src/pipeline/reconcile.ts).
  const reconcile = reconcileFromEnv(process.env);
  const runner = reconcile.intervalMs > 0 ? reconcilerRunner(reconcile.namespace, probot.log) : undefined;
  if (runner) {
    startReconciler(
      {
        runner,
        tracking,
        log: probot.log,
        githubFor: async (notes) => {
          const [owner, repo] = (notes.repo ?? '').split('/');
          if (!notes.installation || !owner || !repo) return undefined;
          return new OctokitGitHub(await probot.auth(Number(notes.installation)), { owner, repo });
        },
        runUrl: runLink(uiUrl),
        images: imageWaitFromEnv(process.env),
        secrets: heldSecrets(process.env),
      },
      reconcile.intervalMs,
    );
  }
  return createApp({
    tracking,
    runnerFor: (config) => new KubernetesRunner({ namespace: config.namespace }),
    uiUrl,
    secrets: heldSecrets(process.env),
    images: imageWaitFromEnv(process.env),
  })(probot, options);
};

export default app;

/**
 * The Actions deployment's recovery (.github/workflows/trainbot-recover.yml, docs/design.md "Reconciler"): one
 * reconcile pass over this repository's requests whose runner was lost, in TRAINBOT_NAMESPACE or else the
 * namespace of the config on the workflow's branch. It does not wait for Jobs that still run: a later scheduled
 * run finishes those. Rejects when a request could not be finished, so the workflow run shows it.
 */
export async function recoverRepository(
  target: WorkflowRepository,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ReconcileAction[]> {
  const loaded = env.TRAINBOT_NAMESPACE ? undefined : await loadConfig(target.github, { baseRef: target.ref });
  const namespace =
    env.TRAINBOT_NAMESPACE || (loaded && 'config' in loaded ? loaded.config.namespace : DEFAULT_NAMESPACE);
  const failures: string[] = [];
  const log = {
    info: (message: string) => target.log.info(message),
    error: (error: unknown, message: string) => {
      failures.push(message);
      target.log.error(error, message);
    },
  };
  const actions = await reconcileOnce({
    runner: new KubernetesRunner({ namespace }),
    tracking: deployedTracking(env, target.log),
    githubFor: async () => target.github,
    log,
    runUrl: runLink(env.MLFLOW_UI_URL ?? env.MLFLOW_TRACKING_URI),
    scope: { repo: target.repo, waitForJobs: false },
    images: imageWaitFromEnv(env),
    secrets: heldSecrets(env),
  });
  target.log.info(recoverySummary(namespace, actions));
  await target.summary(recoveryMarkdown(namespace, actions));
  if (failures.length > 0)
    throw new Error(
      `${failures.length} step(s) of the recovery failed (the log above says which); the next scheduled run of this workflow tries again.`,
    );
  return actions;
}
