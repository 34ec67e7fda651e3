// dispatch → wait → collect for a set of planned runs, shared by the bot, the sweep action and the CLI.
// For each run: create the MLflow run first (tags set by the bot, so the container cannot forge them), sign
// those tags when the port carries a key (the container can write its own run and could re-tag it; see
// src/runs/run-signature.ts), give it an MLflow user of its own that may write only its experiment when the
// port carries runCredentials (deleted as soon as the run ends, whichever way), start the container with its
// id, wait, then read what it logged and, with a key, sign the compared metrics as read
// (src/runs/metrics-signature.ts) so a later change shows. At most
// `maxParallel` run at once; `onChange` sees every state change so callers can update a living comment or print
// progress.
import type { TrainbotConfig } from '../config/config-types.js';
import type { RunResult } from '../report/compare.js';
import { tailLog } from '../report/redact-log.js';
import { jobSpecFor } from '../runs/job-spec.js';
import type { PlannedRun } from '../runs/plan.js';
import { runName } from '../runs/plan.js';
import { RUN_TAGS, type RunOrigin, originTags } from '../runs/run-contract.js';
import { TAG_VALUE_MAX, comparedMetrics, metricsTags } from '../runs/metrics-signature.js';
import { signRun } from '../runs/run-signature.js';
import { type Runner, RunnerError } from '../runners/runner.js';
import { TrackingError } from '../tracking/tracking-error.js';
import type { RunCredential } from '../tracking/run-credentials.js';
import type { Tracking } from '../tracking/tracking.js';
import { awaitImage, type ImageWait } from './await-image.js';

export interface ExecuteInput {
  plans: readonly PlannedRun[];
  origin: Omit<RunOrigin, 'params'>;
  config: TrainbotConfig;
  experimentId: string;
  tracking: Pick<Tracking, 'createRun' | 'setTags' | 'getRun' | 'setTerminated' | 'signingKey' | 'runCredentials'>;
  runner: Runner;
  maxParallel?: number;
  logTailLines?: number;
  secrets?: readonly string[];
  onChange?: (results: readonly RunResult[]) => void;
  /** An error that is not a runner's or MLflow's (a bug, or a server answer nobody foresaw): the run fails, the rest go on. */
  onError?: (error: unknown, runName: string) => void;
  /** Pin every Job to the digest CI pushed for origin.sha, waiting for the build first; without it the Job names the tag. */
  images?: ImageWait;
}

export interface ExecutedRun extends RunResult {
  logTail?: string; // redacted last lines, for failed runs
}

/** A message for users from anything a step threw: RunnerError/TrackingError already carry one. */
function reasonOf(error: unknown): string {
  if (error instanceof RunnerError) return error.message;
  if (error instanceof Error && error.name === 'TrackingError') return error.message;
  return 'trainbot hit an internal error while running this; the bot log has the details.';
}

function logToStderr(error: unknown, runName: string): void {
  console.error(`trainbot: run ${runName} failed inside trainbot:`, error);
}

/**
 * The metrics record's tags; a record MLflow would cut short fails the run with a sentence instead. The
 * reconciler records a run the same way when the process that started it died before it could.
 */
export function recordedMetrics(
  key: string,
  runId: string,
  metrics: Readonly<Record<string, number>>,
  config: TrainbotConfig,
): Record<string, string> {
  const tags = metricsTags(key, runId, metrics, comparedMetrics(config));
  const length = tags[RUN_TAGS.metrics]?.length ?? 0;
  if (length > TAG_VALUE_MAX) {
    throw new TrackingError(
      `The record of this run's ${comparedMetrics(config).length} compared metrics is ${length} characters, more than the ${TAG_VALUE_MAX} MLflow keeps in a tag; list fewer metrics (or shorter names) under \`metrics\` in .github/trainbot.yml.`,
    );
  }
  return tags;
}

async function executeOne(
  plan: PlannedRun,
  index: number,
  input: ExecuteInput,
  results: ExecutedRun[],
  notify: () => void,
  image: string | undefined,
): Promise<void> {
  const { origin, config, tracking, runner } = input;
  const name = runName({ ...origin, paramsKey: plan.paramsKey });
  const result = results[index] as ExecutedRun;
  let runId: string | undefined;
  let credential: RunCredential | undefined;
  // Idempotent: called as soon as the run ends (before its metrics are read) and again on every way out.
  const revoke = async () => {
    const issued = credential;
    credential = undefined;
    if (issued) await tracking.runCredentials?.revoke(issued);
  };
  try {
    const tags = originTags({
      ...origin,
      params: plan.paramsKey,
      ...(plan.repeat ? { repeat: plan.repeat.seed } : {}),
    });
    const run = await tracking.createRun({ experimentId: input.experimentId, runName: name, tags });
    runId = run.info.runId;
    result.runId = runId;
    // The tags the bot sent, not the ones MLflow echoed back: a change made in between must fail verification.
    if (tracking.signingKey !== undefined)
      await tracking.setTags(runId, { [RUN_TAGS.signature]: signRun(tracking.signingKey, runId, tags) });
    let spec = jobSpecFor(plan, { name, origin: { ...origin, params: plan.paramsKey }, runId, config });
    credential = await tracking.runCredentials?.issue(runId, input.experimentId);
    // The run's own user replaces the shared MLflow token: with both, the container would hold more than its own rights.
    if (credential)
      spec = {
        ...spec,
        credentialEnv: credential.env,
        secretEnv: spec.secretEnv.filter((ref) => ref.env !== 'MLFLOW_TRACKING_TOKEN'),
      };
    const secrets = credential ? [...(input.secrets ?? []), credential.password] : input.secrets;
    const handle = await runner.dispatch(image ? { ...spec, image } : spec);
    result.state = 'running';
    notify();
    const outcome = await runner.wait(handle);
    await revoke();
    const ranImage = 'image' in outcome ? outcome.image : undefined;
    if (ranImage !== undefined) result.provenance = { image: ranImage };
    if (outcome.status !== 'succeeded') {
      const log = await runner.logs(handle, 200).catch(() => '');
      result.logTail = tailLog(log, { lines: input.logTailLines ?? 30, secrets });
      result.state = outcome.status === 'timeout' ? 'timeout' : outcome.status === 'cancelled' ? 'cancelled' : 'failed';
      result.reason = outcome.reason;
      await tracking.setTerminated(runId, outcome.status === 'cancelled' ? 'KILLED' : 'FAILED').catch(() => undefined);
      return;
    }
    const logged = await tracking.getRun(runId);
    if (logged.info.status !== 'FINISHED') {
      result.state = 'failed';
      result.reason = `The training process exited, but its MLflow run is ${logged.info.status}, not FINISHED.`;
      await tracking.setTerminated(runId, 'FAILED').catch(() => undefined);
      return;
    }
    // The image that ran goes on the run, so a report read from MLflow later (the merge report) names it too;
    // with a key it rides along with the metrics record, in the same request.
    const ran = ranImage === undefined ? {} : { [RUN_TAGS.image]: ranImage };
    // The values reported are the ones signed: both come from this one read.
    if (tracking.signingKey !== undefined)
      await tracking.setTags(runId, { ...recordedMetrics(tracking.signingKey, runId, logged.metrics, config), ...ran });
    else if (ranImage !== undefined) await tracking.setTags(runId, ran);
    // The data digest comes with the same read (runs/get carries the run's dataset inputs).
    if (logged.datasets) result.provenance = { ...result.provenance, datasets: logged.datasets };
    result.metrics = logged.metrics;
    result.state = 'finished';
  } catch (error) {
    result.state = 'failed';
    result.reason = reasonOf(error);
    if (runId) await tracking.setTerminated(runId, 'FAILED').catch(() => undefined);
    // One run's failure is that run's, whatever threw: a sweep's other runs and its report go on.
    if (!(error instanceof RunnerError) && !(error instanceof Error && error.name === 'TrackingError'))
      (input.onError ?? logToStderr)(error, name);
  } finally {
    await revoke();
    notify();
  }
}

export async function executeRuns(input: ExecuteInput): Promise<ExecutedRun[]> {
  const results: ExecutedRun[] = input.plans.map((p) => ({
    name: runName({ ...input.origin, paramsKey: p.paramsKey }),
    params: p.params,
    state: 'queued',
    metrics: {},
    ...(p.repeat ? { repeatSeed: p.repeat.seed } : {}),
  }));
  const notify = () => input.onChange?.(results.map((r) => ({ ...r })));
  notify();
  let image: string | undefined;
  if (input.images) {
    // One image for every run of the request: wait for it once, before any MLflow run exists.
    const awaited = await awaitImage(input.config.image, input.origin.sha, input.images, (reason) => {
      for (const r of results) r.reason = reason;
      notify();
    });
    for (const r of results) {
      delete r.reason;
      if (!awaited.ok) Object.assign(r, { state: 'failed', reason: awaited.reason });
    }
    if (!awaited.ok) {
      notify();
      return results;
    }
    image = awaited.image;
  }
  const limit = Math.max(1, input.maxParallel ?? input.config.limits.maxParallel);
  let next = 0;
  const worker = async () => {
    while (next < input.plans.length) {
      const i = next++;
      await executeOne(input.plans[i] as PlannedRun, i, input, results, notify, image);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, input.plans.length) }, worker));
  return results;
}
