// A planned run + where it comes from → the JobSpec a Runner starts (DESIGN.md "Run spec → training container").
// Pure. The MLflow run exists before this is called: its id goes in MLFLOW_RUN_ID so the container resumes it.
import type { TrainbotConfig } from '../config/config-types.js';
import type { JobSpec } from '../runners/runner.js';
import { experimentName } from '../tracking/experiment-names.js';
import { imageRef } from './image-ref.js';
import { CONTRACT_ENV, type RunOrigin } from './run-contract.js';
import type { PlannedRun } from './plan.js';

/** Label keys on Jobs and pods; `/train cancel` selects on the first two. */
export const JOB_LABELS = {
  repo: 'trainbot.dev/repo',
  pr: 'trainbot.dev/pr',
  request: 'trainbot.dev/request',
  sha: 'trainbot.dev/sha',
  role: 'trainbot.dev/role',
} as const;

/** A label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric (else empty). */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export function originLabels(
  origin: Pick<RunOrigin, 'repo' | 'pr' | 'request' | 'sha' | 'role'>,
): Record<string, string> {
  const labels: Record<string, string> = {
    [JOB_LABELS.repo]: labelValue(origin.repo.replace('/', '.')),
    [JOB_LABELS.request]: labelValue(origin.request),
    [JOB_LABELS.sha]: labelValue(origin.sha),
    [JOB_LABELS.role]: origin.role,
  };
  if (origin.pr !== undefined) labels[JOB_LABELS.pr] = String(origin.pr);
  return labels;
}

export interface JobContext {
  name: string;
  origin: RunOrigin;
  runId: string;
  config: TrainbotConfig;
}

export function jobSpecFor(run: PlannedRun, ctx: JobContext): JobSpec {
  const { config } = ctx;
  return {
    name: ctx.name,
    image: imageRef(config.image, ctx.origin.sha),
    command: [...config.command],
    args: run.args,
    env: {
      [CONTRACT_ENV.trackingUri]: config.trackingUri,
      [CONTRACT_ENV.experimentName]: experimentName(config, ctx.origin.role),
      [CONTRACT_ENV.runId]: ctx.runId,
    },
    secretEnv: config.trackingSecret
      ? [{ env: 'MLFLOW_TRACKING_TOKEN', secret: config.trackingSecret.secret, key: config.trackingSecret.tokenKey }]
      : [],
    labels: originLabels(ctx.origin),
    timeoutSeconds: config.limits.timeoutMinutes * 60,
    backoffLimit: config.job.backoffLimit,
    ttlSecondsAfterFinished: config.job.ttlSecondsAfterFinished,
    resources: config.job.resources,
  };
}
