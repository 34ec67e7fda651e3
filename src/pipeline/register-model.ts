// A merge's new baseline as a version of the registered model (issue 13 point 3; docs/design.md "Model
// registry"), run after the baseline run finished, by the event's handler or by the reconciler:
//   1. the registered model, created when missing   2. the version of this run: the one registered before (a
//   redelivery or a restart registers nothing twice), else a new one from the model the run logged
//   3. the champion: the alias → its version → its run, trusted only as a signed trainbot baseline of this
//   repository   4. the alias moved only when the new model is not worse (decide-champion.ts).
// A refusal or an outage becomes a sentence in the merge report; the baseline itself stands either way.
import type { TrainbotConfig } from '../config/config-types.js';
import type { RunResult } from '../report/compare.js';
import { decideChampion } from '../report/decide-champion.js';
import type { RegistryOutcome } from '../report/render-registry.js';
import { RUN_TAGS } from '../runs/run-contract.js';
import type { ModelRegistry } from '../tracking/model-registry.js';
import type { RoleExperiments } from '../tracking/role-experiments.js';
import { checkRunMetrics } from '../tracking/run-queries.js';
import { isTrackingCode } from '../tracking/tracking-error.js';
import type { Tracking } from '../tracking/tracking.js';

export interface RegisterModelInput {
  run: RunResult; // the merge's baseline run, settled
  repo: string;
  config: TrainbotConfig;
  tracking: Tracking;
  experiments: RoleExperiments;
  onError?: (error: unknown) => void;
}

/** Undefined when nothing is to be registered: no `registry` in the config, no registry port, or no finished run. */
export async function registerModel(input: RegisterModelInput): Promise<RegistryOutcome | undefined> {
  const { run, config, tracking } = input;
  const settings = config.registry;
  const registry = tracking.modelRegistry;
  if (!settings || !registry || run.state !== 'finished' || !run.runId) return undefined;
  const { model, alias, loggedModel } = settings;
  try {
    await registry.ensureRegisteredModel(model);
    const version = await versionOf(registry, input, run.runId);
    if (!version) return { kind: 'no-model', model, loggedModel };
    const champion = await registry.aliasVersion(model, alias);
    if (champion?.version === version) return { kind: 'moved', model, alias, version, already: true };
    const championMetrics = champion ? await trustedMetrics(input, champion.runId) : undefined;
    const decision = decideChampion(run.metrics, championMetrics, config);
    if (!decision.move && champion && decision.comparison)
      return { kind: 'kept', model, alias, version, champion: champion.version, comparison: decision.comparison };
    await registry.setAlias(model, alias, version);
    if (champion && decision.comparison)
      return {
        kind: 'moved',
        model,
        alias,
        version,
        previous: { version: champion.version, comparison: decision.comparison },
      };
    return { kind: 'moved', model, alias, version, ...(champion ? { untrusted: champion.version } : {}) };
  } catch (error) {
    input.onError?.(error);
    const message =
      error instanceof Error && error.name === 'TrackingError'
        ? error.message
        : 'trainbot hit an internal error while registering it; the bot log has the details.';
    return { kind: 'failed', model, message };
  }
}

/** The run's version: the oldest one registered from it before, else a new one; undefined when it logged no model. */
async function versionOf(
  registry: ModelRegistry,
  input: RegisterModelInput,
  runId: string,
): Promise<string | undefined> {
  const { model, loggedModel } = input.config.registry as NonNullable<TrainbotConfig['registry']>;
  const existing = await registry.versionsOfRun(model, runId);
  if (existing[0]) return existing[0].version;
  const modelId = await registry.loggedModelOf(input.experiments.baselines, runId, loggedModel);
  if (modelId === undefined) return undefined;
  return (await registry.createVersion(model, runId, modelId)).version;
}

/**
 * The champion's metrics, when its run is one trainbot trained as a baseline of this repository with its
 * metrics as signed. Anyone with an MLflow account may create a registered model or point an alias of one they
 * created, so a champion that is not such a run is not compared with: the alias moves.
 */
async function trustedMetrics(
  input: RegisterModelInput,
  runId: string,
): Promise<Readonly<Record<string, number>> | undefined> {
  // A deleted run is no champion; any other failure is an outage, and must not move the alias.
  const run = await input.tracking.getRun(runId).catch((error: unknown) => {
    if (isTrackingCode(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
    throw error;
  });
  if (
    !run ||
    run.info.status !== 'FINISHED' ||
    run.info.experimentId !== input.experiments.baselines ||
    run.tags[RUN_TAGS.role] !== 'baseline' ||
    run.tags[RUN_TAGS.repo] !== input.repo
  )
    return undefined;
  const check = checkRunMetrics(input.tracking, run);
  if (check === undefined) return run.metrics;
  return check.status === 'intact' ? check.metrics : undefined;
}
