// A merge's new baseline as a version of the registered model (issue 13 point 3; docs/design.md "Model
// registry"), run after the baseline run finished, by the event's handler or by the reconciler:
//   1. the registered model, created when missing   2. the version of this run: the one registered before (a
//   redelivery or a restart registers nothing twice), else a new one from the model the run logged
//   3. the champion: the alias → its version → its run, trusted only as a signed trainbot baseline of this
//   repository; with repeats, also its sibling seeds (find-seed-siblings.ts, one search)   4. the alias moved only
//   when the new model is not worse (decide-champion.ts): with repeats, by the paired verdict over the seeds.
// A refusal or an outage becomes a sentence in the merge report; the baseline itself stands either way.
import type { TrainbotConfig } from '../config/config-types.js';
import type { Repeat, RunResult } from '../report/compare.js';
import { type ChampionRepeats, decideChampion } from '../report/decide-champion.js';
import type { RegistryOutcome } from '../report/render-registry.js';
import { RUN_TAGS } from '../runs/run-contract.js';
import type { ModelRegistry } from '../tracking/model-registry.js';
import { findSeedSiblings, seedOf } from '../tracking/find-seed-siblings.js';
import type { RoleExperiments } from '../tracking/role-experiments.js';
import { checkRunMetrics } from '../tracking/run-queries.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import { unlessTrackingCode } from '../tracking/tracking-error.js';
import type { Tracking } from '../tracking/tracking.js';

export interface RegisterModelInput {
  /**
   * The merge's baseline, settled: its run, or with repeats its point (group-repeats.ts), finished only once every
   * seed did, whose `runId` is the default seed's run (the one registered) and whose `repeats` the verdict pairs.
   */
  run: RunResult;
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
    const trusted = champion ? await trustedChampion(input, champion.runId) : undefined;
    const repeats =
      trusted && run.repeats && run.repeats.length > 1 ? await pairs(input, trusted, run.repeats) : undefined;
    const decision = decideChampion(run.metrics, trusted?.metrics, config, repeats);
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
 * The champion's run with its metrics, when it is one trainbot trained as a baseline of this repository with its
 * metrics as signed. Anyone with an MLflow account may create a registered model or point an alias of one they
 * created, so a champion that is not such a run is not compared with: the alias moves.
 */
async function trustedChampion(input: RegisterModelInput, runId: string): Promise<TrackedRun | undefined> {
  // A deleted run is no champion; any other failure is an outage, and must not move the alias.
  const run = await unlessTrackingCode(input.tracking.getRun(runId), 'RESOURCE_DOES_NOT_EXIST');
  if (
    !run ||
    run.info.status !== 'FINISHED' ||
    run.info.experimentId !== input.experiments.baselines ||
    run.tags[RUN_TAGS.role] !== 'baseline' ||
    run.tags[RUN_TAGS.repo] !== input.repo
  )
    return undefined;
  const check = checkRunMetrics(input.tracking, run);
  if (check === undefined) return run;
  return check.status === 'intact' ? { ...run, metrics: check.metrics } : undefined;
}

/**
 * The two sides of a paired verdict: the refresh's seeds, and the champion's runs of those seeds (its own run and
 * its siblings). A seed the champion lacks pairs with nothing; with fewer than two pairs the means are compared by
 * the threshold alone, as a `/train` report does.
 */
async function pairs(
  input: RegisterModelInput,
  champion: TrackedRun,
  candidate: readonly Repeat[],
): Promise<ChampionRepeats> {
  const { seedParam } = input.config;
  const seeds = candidate.map((r) => r.seed);
  const siblings = await findSeedSiblings(input.tracking, {
    experimentId: input.experiments.baselines,
    run: champion,
    seedParam,
    seeds,
  });
  const runs = [champion, ...siblings].flatMap((run) => {
    const seed = seedOf(run, seedParam);
    return seed !== undefined && seeds.includes(seed) ? [{ seed, runId: run.info.runId, metrics: run.metrics }] : [];
  });
  return { candidate, champion: runs.sort((a, b) => seeds.indexOf(a.seed) - seeds.indexOf(b.seed)) };
}
