// The reconciler (docs/design.md, "Reconciler"): finishes the `/train` requests whose bot process died. What a
// request is lives where it outlasts the bot: the claim's notes (repository, PR, comment, check run, experiment,
// the steps already done), the MLflow runs tagged with the request, the Jobs labelled with it. A pass:
//   1. plan (pure): every claim nobody renews is a request to finish; every unfinished Job of a PR whose
//      request has no claim at all is an orphan to delete. A pass may be scoped to one repository and told not
//      to wait for Jobs that still run (the Actions deployment's scheduled pass, src/actions-recover.ts);
//   2. for each request: take the claim over (only one process can), settle each run (wait for its Job, or
//      fail it with the reason when it can never finish), then the final table, the check run and the
//      reaction, each noted on the claim once done so a later taker skips it, and release the claim. A merge's
//      claim (its `kind` note) is finished by finish-merge.ts instead: its report and baseline refresh.
import type { TrainbotConfig } from '../config/config-types.js';
import type { GitHubPort } from '../github/github-port.js';
import { type RunResult, rankRuns, requestConclusion } from '../report/compare.js';
import { errorSummary, renderErrorNote } from '../report/render-error-note.js';
import { renderReport } from '../report/render-report.js';
import { RUN_TAGS, repeatOf } from '../runs/run-contract.js';
import { JOB_LABELS, labelValue } from '../runs/job-spec.js';
import type { ClaimInfo, Runner, RunnerJob } from '../runners/runner.js';
import { experimentName } from '../tracking/experiment-names.js';
import { findRequestRuns } from '../tracking/run-queries.js';
import { groupRepeats } from '../report/group-repeats.js';
import { rejectedBaseline } from '../report/changed-run.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import type { Tracking } from '../tracking/tracking.js';
import { type RunCredentialsPort, runUsername } from '../tracking/run-credentials.js';
import { planBaseline } from '../runs/plan.js';
import type { ImageWait } from './await-image.js';
import { recordedMetrics } from './execute-runs.js';
import { CLAIM_NOTES, MERGE_KIND, doneSteps } from './claim-notes.js';
import { finishMerge } from './finish-merge.js';
import { provenanceOf } from '../report/to-run-result.js';
import { CHECK_NAME, type Logger, loadConfig } from './on-train-comment.js';
import { lookupRequestBaseline } from './run-request.js';

/** The final steps, in order; each is noted in `done` once it happened. */
export type FinalStep = 'comment' | 'check' | 'reaction';

export type ReconcileAction =
  | { kind: 'finish'; claim: ClaimInfo }
  /** Not finished by this pass: its Jobs still run and the pass does not wait (ReconcileScope.waitForJobs). */
  | { kind: 'later'; claim: ClaimInfo }
  | { kind: 'delete-job'; name: string };

/** What one pass looks at, and whether it waits for Jobs. The Probot server: every repository, waiting. */
export interface ReconcileScope {
  /**
   * Only this repository's (owner/name) claims and Jobs: a workflow's token reaches no other repository, and a
   * workflow has no business with another repository's Jobs in a shared namespace.
   */
  repo?: string;
  /**
   * false: a request whose Jobs still run is left to a later pass instead of waited for, so a scheduled workflow
   * run ends in seconds instead of holding the self-hosted runner for a training's length. Default true.
   */
  waitForJobs?: boolean;
}

/** Same label value on both sides: a claim's repo/request as its Jobs carry them (src/runs/job-spec.ts). */
function requestLabels(notes: Readonly<Record<string, string>>): string {
  return `${repoLabel(notes[CLAIM_NOTES.repo] ?? '')}|${labelValue(notes[CLAIM_NOTES.request] ?? '')}`;
}

const repoLabel = (repo: string) => labelValue(repo.replace('/', '.'));
const jobRequest = (job: RunnerJob) => `${job.labels[JOB_LABELS.repo] ?? ''}|${job.labels[JOB_LABELS.request] ?? ''}`;

/**
 * Pure. Claims nobody renews are finished; an unfinished Job of a pull request whose request holds no claim
 * at all is deleted (its request ended, or it was never claimed, so nobody will read its outcome). Only PR Jobs:
 * the CLI and the sweep action may start Jobs without a claim, and those are not the bot's to clean up.
 * With `scope.repo`, other repositories' claims and Jobs are left alone; with `scope.waitForJobs` false, a
 * request that still has an unfinished Job is left for a later pass.
 */
export function planReconcile(
  claims: readonly ClaimInfo[],
  jobs: readonly RunnerJob[],
  scope: ReconcileScope = {},
): ReconcileAction[] {
  const inScope = (repo: string | undefined) => scope.repo === undefined || repo === scope.repo;
  const running = new Set(jobs.filter((j) => !j.finished).map(jobRequest));
  const actions: ReconcileAction[] = claims
    .filter((c) => !c.live && c.notes[CLAIM_NOTES.repo] && c.notes[CLAIM_NOTES.request])
    .filter((c) => inScope(c.notes[CLAIM_NOTES.repo]))
    .map((claim): ReconcileAction => ({
      kind: scope.waitForJobs === false && running.has(requestLabels(claim.notes)) ? 'later' : 'finish',
      claim,
    }));
  const claimed = new Set(claims.map((c) => requestLabels(c.notes)));
  const ownLabel = scope.repo === undefined ? undefined : repoLabel(scope.repo);
  for (const job of jobs) {
    if (job.finished || job.labels[JOB_LABELS.pr] === undefined) continue;
    if (ownLabel !== undefined && job.labels[JOB_LABELS.repo] !== ownLabel) continue;
    if (!claimed.has(jobRequest(job))) actions.push({ kind: 'delete-job', name: job.name });
  }
  return actions;
}

export interface ReconcileDeps {
  runner: Runner;
  tracking: Tracking & RunCredentialsPort;
  /** GitHub for the claim's repository (its installation), or undefined when the app cannot reach it. */
  githubFor: (notes: Readonly<Record<string, string>>) => Promise<GitHubPort | undefined>;
  log: Logger;
  runUrl?: (experimentId: string, runId: string) => string;
  now?: () => number;
  /** Which claims and Jobs this pass takes on; default every repository's, waiting for running Jobs. */
  scope?: ReconcileScope;
  /** For a merge finished from the start (finish-merge.ts): its baseline's image and log redaction, as live. */
  images?: ImageWait;
  secrets?: readonly string[];
}

const NEVER_STARTED =
  "trainbot stopped before it started this run's Job, so it never ran; comment `/train` again to run it.";
const BASELINE_NEVER_STARTED = "trainbot stopped before it started this baseline's Job, so it never ran.";
const RESTARTED_EARLY = 'trainbot restarted before it started any run; comment `/train` again.';

/**
 * The outcome of one run the dead process left behind: read it, or wait for its Job to end. Then its own MLflow
 * user goes (src/tracking/run-credentials.ts): the dead process issued it and can no longer delete it.
 */
async function settleRun(
  run: TrackedRun,
  jobs: readonly RunnerJob[],
  deps: ReconcileDeps,
  config: TrainbotConfig | undefined,
): Promise<RunResult> {
  const result = await runOutcome(run, jobs, deps);
  await deps.tracking.runCredentials?.revoke({ username: runUsername(run.info.runId) });
  return result.state === 'finished' ? recordIfUnsigned(result, run, deps, config) : result;
}

/**
 * A finished run the dead process had not yet recorded gets its signed metrics record now, as execute-runs.ts
 * makes it, so later reports (and the merge's baseline lookups) trust it. Read again after the run's user is
 * gone, so what is signed is what nobody but the bot can change any more. A run already recorded keeps its
 * record: signing again would bless a change made after it.
 */
async function recordIfUnsigned(
  result: RunResult,
  run: TrackedRun,
  deps: ReconcileDeps,
  config: TrainbotConfig | undefined,
): Promise<RunResult> {
  const { tracking } = deps;
  if (tracking.signingKey === undefined || config === undefined || run.tags[RUN_TAGS.metrics] !== undefined)
    return result;
  const logged = await tracking.getRun(run.info.runId);
  if (logged.tags[RUN_TAGS.metrics] !== undefined) return result;
  await tracking.setTags(run.info.runId, recordedMetrics(tracking.signingKey, run.info.runId, logged.metrics, config));
  return { ...result, metrics: logged.metrics };
}

async function runOutcome(run: TrackedRun, jobs: readonly RunnerJob[], deps: ReconcileDeps): Promise<RunResult> {
  const { tracking, runner } = deps;
  const base = {
    name: run.info.runName,
    runId: run.info.runId,
    params: paramsOf(run),
    metrics: {},
    ...repeatOf(run.tags),
  };
  const status = run.info.status;
  const job = jobs.find((j) => j.name === run.info.runName);
  // The training code ends its MLflow run before its container exits: a FINISHED run whose Job still runs is
  // waited for like any other (as the live handler waits for the Job), so its result is read once the code has
  // stopped, and the Job is finished before the claim goes (else the next pass would delete it as an orphan).
  const jobRunning = job !== undefined && !job.finished && !job.suspended;
  if (status === 'FINISHED' && !jobRunning)
    return { ...base, state: 'finished', metrics: run.metrics, ...provenanceOf(run) };
  if (status === 'KILLED') return { ...base, state: 'cancelled', reason: 'The run was cancelled.' };
  if (status === 'FAILED') return { ...base, state: 'failed', reason: 'The run failed (its MLflow run is FAILED).' };
  if (!job || job.suspended) {
    // A Job still suspended was never started (its process died before its Secret was made or it was resumed),
    // and nothing will start it now: it goes, rather than waiting out its deadline in the cluster.
    if (job) await runner.cancel({ name: job.name });
    await tracking.setTerminated(run.info.runId, 'FAILED');
    const reason = run.tags[RUN_TAGS.role] === 'baseline' ? BASELINE_NEVER_STARTED : NEVER_STARTED;
    return { ...base, state: 'failed', reason };
  }
  const outcome = await runner.wait({ name: run.info.runName });
  if (outcome.status !== 'succeeded') {
    await tracking
      .setTerminated(run.info.runId, outcome.status === 'cancelled' ? 'KILLED' : 'FAILED')
      .catch(() => undefined);
    return {
      ...base,
      state: outcome.status === 'timeout' ? 'timeout' : outcome.status === 'cancelled' ? 'cancelled' : 'failed',
      reason: outcome.reason,
    };
  }
  const logged = await tracking.getRun(run.info.runId);
  if (logged.info.status !== 'FINISHED') {
    await tracking.setTerminated(run.info.runId, 'FAILED').catch(() => undefined);
    return {
      ...base,
      state: 'failed',
      reason: `The training process exited, but its MLflow run is ${logged.info.status}, not FINISHED.`,
    };
  }
  // What ran (the Job's pod) and on what data (the same read): the footer's facts, as the live flow gets them.
  const ran = provenanceOf({
    ...logged,
    tags: { ...logged.tags, ...(outcome.image ? { [RUN_TAGS.image]: outcome.image } : {}) },
  });
  return { ...base, state: 'finished', metrics: logged.metrics, ...ran };
}

function paramsOf(run: TrackedRun): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of (run.tags[RUN_TAGS.params] ?? '').split(' ').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at > 0) params[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return params;
}

/** Takes over one request whose process died and drives it to its end; false when another process has it. */
export async function finishRequest(
  claim: ClaimInfo,
  jobs: readonly RunnerJob[],
  deps: ReconcileDeps,
): Promise<boolean> {
  const { runner, log } = deps;
  if (!(await runner.claim(claim.key))) return false;
  let finished = false;
  try {
    const notes = claim.notes;
    const github = await deps.githubFor(notes);
    if (!github) {
      log.info(`reconcile: no GitHub access to ${notes[CLAIM_NOTES.repo]}; leaving ${claim.key} for a later pass`);
      return false;
    }
    if (notes[CLAIM_NOTES.kind] === MERGE_KIND) {
      await finishMerge(claim, github, { ...deps, settle: (run, config) => settleRun(run, jobs, deps, config) });
      finished = true;
      return true;
    }
    const pr = await github.pullRequest(Number(notes[CLAIM_NOTES.pr]));
    const loaded = await loadConfig(github, pr);
    const config = 'config' in loaded ? loaded.config : undefined;
    const experimentId =
      notes[CLAIM_NOTES.experiment] ?? (config ? await deps.tracking.ensureExperiment(config.experiment) : undefined);
    const found = experimentId
      ? (
          await findRequestRuns(deps.tracking, {
            experimentId,
            repo: notes[CLAIM_NOTES.repo] ?? '',
            request: notes[CLAIM_NOTES.request] ?? '',
          })
        ).runs
      : [];
    const runs = await Promise.all(found.map((run) => settleRun(run, jobs, deps, config)));
    log.info(`reconcile: finishing ${claim.key} (${runs.length} run${runs.length === 1 ? '' : 's'})`);
    await concludeRequest(claim, runs, { github, config, experimentId, sha: found[0]?.tags[RUN_TAGS.sha], deps });
    finished = true;
    return true;
  } catch (error) {
    log.error(error, `reconcile: could not finish ${claim.key}; a later pass tries again`);
    return false;
  } finally {
    // Finished: the claim goes. Not finished: it stays, unrenewed, so once it expires a later pass (here or in
    // another process) takes the request over again; the steps noted done are not repeated.
    if (finished)
      await runner.release(claim.key).catch((e: unknown) => log.error(e, `reconcile: could not release ${claim.key}`));
    else await runner.abandon?.(claim.key);
  }
}

interface Concluding {
  github: GitHubPort;
  config?: TrainbotConfig;
  experimentId?: string;
  sha?: string;
  deps: ReconcileDeps;
}

/** The final table, the check run, the reaction: each once, noted on the claim as it is done. */
async function concludeRequest(claim: ClaimInfo, runs: readonly RunResult[], c: Concluding): Promise<void> {
  const { notes } = claim;
  const { github, config, deps } = c;
  const done = doneSteps(notes);
  const mark = async (step: FinalStep) => {
    done.add(step);
    await deps.runner.noteClaim?.(claim.key, { [CLAIM_NOTES.done]: [...done].join(',') });
  };
  const title = notes[CLAIM_NOTES.title] ?? `trainbot: ${runs.length} run${runs.length === 1 ? '' : 's'}`;
  let markdown: string;
  let conclusion: 'success' | 'neutral' | 'failure' | 'cancelled';
  let finished = 0;
  if (runs.length === 0 || !config) {
    markdown = renderErrorNote({ title, stop: 'before-start', sentence: RESTARTED_EARLY, error: undefined });
    conclusion = 'failure';
  } else {
    // Baselines live in their own experiment (src/tracking/experiment-names.ts), as the live flow reads them.
    const baselinesId = await deps.tracking.ensureExperiment(experimentName(config, 'baseline'));
    // With repeats, every seed's baseline, so the verdict pairs them as the live report did (run-request.ts).
    const { found, baseline } = await lookupRequestBaseline(
      deps.tracking,
      {
        experimentId: baselinesId,
        repo: notes[CLAIM_NOTES.repo] ?? '',
        branch: config.baselineBranch,
        params: planBaseline(config).paramsKey,
      },
      runs.flatMap((r) => (r.repeatSeed === undefined ? [] : [r.repeatSeed])),
      config,
    );
    const rejected = rejectedBaseline(found.rejected);
    const points = groupRepeats(runs, config);
    const best = rankRuns(points, config)[0];
    finished = runs.filter((r) => r.state === 'finished').length;
    conclusion = requestConclusion(points, best, baseline, config);
    const baselineIds = [baseline?.runId, rejected?.runId, ...(baseline?.repeats ?? []).map((r) => r.runId)];
    const experimentId = c.experimentId ?? '';
    markdown = renderReport({
      title,
      runs,
      baseline,
      config,
      now: (deps.now ?? Date.now)(),
      sha: c.sha,
      rejectedBaseline: rejected,
      refusedPointer: found.refusedPointer,
      noBaselineHint: 'Merge a pull request to start one: trainbot trains a baseline on every merge.',
      runUrl: deps.runUrl
        ? (runId) => deps.runUrl?.(baselineIds.includes(runId) ? baselinesId : experimentId, runId)
        : undefined,
    });
  }
  const issue = Number(notes[CLAIM_NOTES.pr]);
  if (!done.has('comment')) {
    await github.upsertComment(issue, notes[CLAIM_NOTES.marker] ?? `train-${notes[CLAIM_NOTES.comment]}`, markdown);
    await mark('comment');
  }
  let check = Number(notes[CLAIM_NOTES.check]);
  const sha = notes[CLAIM_NOTES.sha];
  const ref = notes[CLAIM_NOTES.checkRef];
  // Killed after GitHub created the check run but before its id reached the claim: found by the request's
  // reference, so it does not stay in progress for ever.
  if (!done.has('check') && !(check > 0) && sha && ref) check = (await github.findCheck?.(sha, CHECK_NAME, ref)) ?? 0;
  if (!done.has('check') && Number.isInteger(check) && check > 0) {
    const plural = runs.length === 1 ? '' : 's';
    await github.updateCheck(check, {
      conclusion,
      output:
        runs.length === 0
          ? { title: CHECK_NAME, summary: errorSummary(RESTARTED_EARLY) }
          : { title: `${finished} of ${runs.length} run${plural} finished`, summary: markdown },
    });
    await mark('check');
  }
  const comment = Number(notes[CLAIM_NOTES.comment]);
  if (!done.has('reaction') && finished < runs.length + (runs.length === 0 ? 1 : 0) && Number.isInteger(comment)) {
    await github.react(comment, 'confused');
    await mark('reaction');
  }
}

/** One reconcile pass: plan from the claims and Jobs, finish each request, delete orphan Jobs. */
export async function reconcileOnce(deps: ReconcileDeps): Promise<ReconcileAction[]> {
  const { runner } = deps;
  if (!runner.claims || !runner.jobs) return [];
  const [claims, jobs] = await Promise.all([runner.claims(), runner.jobs()]);
  const actions = planReconcile(claims, jobs, deps.scope);
  await Promise.all(
    actions.map(async (action) => {
      if (action.kind === 'later') {
        deps.log.info(`reconcile: ${action.claim.key} still has Jobs running; a later pass finishes it`);
      } else if (action.kind === 'delete-job') {
        deps.log.info(`reconcile: deleting Job ${action.name}, which no request claims`);
        await runner
          .cancel({ name: action.name })
          .catch((e: unknown) => deps.log.error(e, `reconcile: could not delete Job ${action.name}`));
      } else {
        await finishRequest(action.claim, jobs, deps);
      }
    }),
  );
  return actions;
}

/** Reconciles now and every `intervalMs`, one pass at a time; returns a stop function. */
export function startReconciler(deps: ReconcileDeps, intervalMs: number): () => void {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const pass = () => {
    if (busy) return;
    busy = true;
    running = reconcileOnce(deps)
      .catch((e: unknown) => deps.log.error(e, 'reconcile pass failed'))
      .finally(() => {
        busy = false;
      });
  };
  pass();
  const timer = setInterval(pass, intervalMs).unref();
  return () => {
    clearInterval(timer);
    void running;
  };
}
