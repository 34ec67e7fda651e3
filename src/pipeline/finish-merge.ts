// The reconciler's part for a merge (reconcile.ts; docs/design.md "Reconciler"). A merged pull request whose bot
// died left a claim with notes (on-pr-closed.ts, mergeNotes); taken over, the merge is finished from where it
// stopped, with the code the event's handler runs, so the comment reads the same either way:
//   - its final comment noted as posted: nothing left to do;
//   - no baseline run yet: the merge from the start (reportMerge: the final comment, the refresh, its result);
//   - a baseline run: every run of the refresh (one per seed with `repeats`) settled as the reconciler settles any
//     run (its Job waited for, or FAILED with the reason when it can never finish), a seed never created failed,
//     then the final comment with the refresh's result and its model registered.
// The reconciler releases the claim afterwards, so a second pass finds nothing.
import type { TrainbotConfig } from '../config/config-types.js';
import type { GitHubPort } from '../github/github-port.js';
import type { RunResult } from '../report/compare.js';
import { groupRepeats } from '../report/group-repeats.js';
import { runName } from '../runs/plan.js';
import type { ClaimInfo } from '../runners/runner.js';
import { ensureRoleExperiments } from '../tracking/role-experiments.js';
import { moveBaselinePointer } from '../tracking/pointed-baseline.js';
import { findRequestRuns, lookupBaseline } from '../tracking/run-queries.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import { CLAIM_NOTES, MERGE_KIND, doneSteps } from './claim-notes.js';
import {
  type Merge,
  type MergeContext,
  REFRESH_REPORT,
  baselineQuery,
  mergeCommenter,
  mergeKey,
  notePosted,
  refreshOutcome,
  refreshBaselineIds,
  refreshPlans,
  refreshQuery,
  registerMergeModel,
  reportMerge,
} from './on-pr-closed.js';
import { loadConfig } from './on-train-comment.js';
import type { ReconcileDeps } from './reconcile.js';
import { lookupRepeats, renderRequestReport } from './run-request.js';

const NEVER_CREATED = "trainbot stopped before it created this seed's baseline run, so it never ran.";

export interface FinishMergeDeps extends ReconcileDeps {
  /** The reconciler's own settling of a run left behind (reconcile.ts), so a merge's run ends as any other. */
  settle: (run: TrackedRun, config: TrainbotConfig) => Promise<RunResult>;
}

/** The merge a claim's notes describe (mergeNotes read back), or undefined when they do not describe one. */
export function mergeFromNotes(notes: Readonly<Record<string, string>>): Merge | undefined {
  const { [CLAIM_NOTES.repo]: repo, [CLAIM_NOTES.sha]: sha, [CLAIM_NOTES.base]: baseRef } = notes;
  const number = Number(notes[CLAIM_NOTES.pr]);
  if (notes[CLAIM_NOTES.kind] !== MERGE_KIND || !repo || !sha || !baseRef) return undefined;
  return Number.isInteger(number) && number > 0 ? { repo, number, sha, baseRef } : undefined;
}

/** Finishes the merge a taken-over claim describes; resolves once there is nothing left to do for it. */
export async function finishMerge(claim: ClaimInfo, github: GitHubPort, deps: FinishMergeDeps): Promise<void> {
  const { log, tracking } = deps;
  const merge = mergeFromNotes(claim.notes);
  // Only trainbot writes these notes; a claim that cannot be read would be taken over and dropped every pass.
  if (!merge) return log.info(`reconcile: ${claim.key} does not say which merge it is; released`);
  if (doneSteps(claim.notes).has('comment')) return log.info(`reconcile: ${claim.key} had posted its final comment`);
  const loaded = await loadConfig(github, merge);
  if ('reply' in loaded)
    return log.info(`reconcile: ${claim.key}: the config on ${merge.baseRef} no longer loads; nothing to finish`);
  const { config } = loaded;
  const experiments = await ensureRoleExperiments(tracking, config);
  const c: MergeContext = { ...deps, github, config, experiments, posted: () => notePosted(deps.runner, claim.key) };
  // With repeats the refresh is one run per seed, and all of them are settled before anything reads them: the
  // report's means, the pointer and the registry's paired verdict need every seed.
  const found = (await findRequestRuns(tracking, refreshQuery(merge, experiments))).runs;
  if (found.length === 0) {
    log.info(`reconcile: finishing ${claim.key} from the start: its baseline run was never created`);
    return reportMerge(merge, c);
  }
  log.info(`reconcile: finishing ${claim.key} (${found.length} baseline run${found.length === 1 ? '' : 's'})`);
  const runs = await settleRefresh(merge, found, config, (r) => deps.settle(r, config));
  // Against the baseline that was current when the refresh started, as runRequest compared it: the refresh may
  // itself be the newest baseline by now.
  const startedBefore = Math.min(...found.map((r) => r.info.startTime));
  const query = { ...baselineQuery(config, merge.repo, experiments), startedBefore };
  const seeds = runs.flatMap((r) => (r.repeatSeed !== undefined ? [r.repeatSeed] : []));
  const report = renderRequestReport(
    {
      ...REFRESH_REPORT,
      config,
      found: await lookupBaseline(tracking, query),
      ...(seeds.length > 1 ? { repeats: { seeds, found: await lookupRepeats(tracking, query, seeds, config) } } : {}),
      experiments,
      experimentId: experiments.baselines,
      sha: merge.sha,
      runUrl: deps.runUrl,
      now: deps.now ?? Date.now,
    },
    runs,
  );
  // As reportMerge does once its refresh ended: the settled runs become the baseline reports read.
  const point = groupRepeats(runs, config)[0];
  await moveBaselinePointer(tracking, baselineQuery(config, merge.repo, experiments), refreshBaselineIds(point, runs));
  const post = await mergeCommenter(merge, c);
  // Registered at most once per run: a version this run already has is found again, not made twice.
  await post(refreshOutcome(merge.sha, point, report, await registerMergeModel(merge, point, c)));
  await c.posted();
}

/**
 * Every planned run of the refresh, in plan order (the default seed first, as runRequest lists them): each one
 * found settled, and a seed whose run the dead process never created failed, as a run it never started is, so
 * the point does not finish on some of its seeds.
 */
async function settleRefresh(
  merge: Merge,
  found: readonly TrackedRun[],
  config: TrainbotConfig,
  settle: (run: TrackedRun) => Promise<RunResult>,
): Promise<RunResult[]> {
  const settled = await Promise.all(found.map(settle));
  const origin = { repo: merge.repo, request: mergeKey(merge.number), role: 'baseline' as const };
  return refreshPlans(config).map((plan) => {
    const name = runName({ ...origin, paramsKey: plan.paramsKey });
    return (
      settled.find((r) => r.name === name) ?? {
        name,
        params: plan.params,
        state: 'failed',
        reason: NEVER_CREATED,
        metrics: {},
        ...(plan.repeat ? { repeatSeed: plan.repeat.seed } : {}),
      }
    );
  });
}
