// One `/train …` request outside a pull request (the `trainbot` CLI, the sweep action):
// parse → plan → experiment → baseline → dispatch/wait/collect → compare → render.
// Everything the request asks for is validated before MLflow or a runner is touched.
import { type ParseResult, parseCommand } from '../commands/parse-command.js';
import { renderHelp } from '../commands/help.js';
import type { TrainbotConfig } from '../config/config-types.js';
import type { CheckConclusion } from '../github/github-port.js';
import { type Baseline, type RunResult, conclusionFor, rankRuns } from '../report/compare.js';
import { renderReport } from '../report/render-report.js';
import { type PlannedRun, firstValueProblem, planBaseline, planRuns } from '../runs/plan.js';
import { RUN_TAGS, type RunOrigin } from '../runs/run-contract.js';
import type { Runner } from '../runners/runner.js';
import type { MlflowClient } from '../tracking/mlflow-client.js';
import { findBaseline } from '../tracking/run-queries.js';
import { ensureRoleExperiments } from '../tracking/role-experiments.js';
import type { TrackedRun } from '../tracking/tracked-run.js';
import { type ExecutedRun, executeRuns } from './execute-runs.js';

export type RequestTracking = Pick<MlflowClient, 'ensureExperiment' | 'createRun' | 'getRun' | 'setTerminated' | 'searchRuns' | 'searchAllRuns'>;

export interface RequestInput {
  commandText: string;
  config: TrainbotConfig;
  origin: Omit<RunOrigin, 'params' | 'role'>;   // repo, sha, branch, request (pr when posting to one)
  tracking: RequestTracking;
  runner: Runner;
  trainMissingBaseline: boolean;                // the CLI's embedded default trains one; a sweep on a PR does not
  runUrl?: (experimentId: string, runId: string) => string;
  now?: () => number;
  onProgress?: (message: string) => void;
  onChange?: (results: readonly RunResult[]) => void;
  onError?: (error: unknown, runName: string) => void;   // see ExecuteInput.onError
  maxParallel?: number;
  secrets?: readonly string[];                  // hidden in the log tails of failed runs
}

export type RequestOutcome =
  | { kind: 'reply'; message: string }          // help text or a usage error: nothing was started
  | { kind: 'report'; markdown: string; runs: ExecutedRun[]; baseline?: Baseline; best?: RunResult; conclusion: string; experimentId: string };

export function toBaseline(run: TrackedRun | undefined): Baseline | undefined {
  if (!run) return undefined;
  return { runId: run.info.runId, sha: run.tags[RUN_TAGS.sha] ?? '', startTime: run.info.startTime, metrics: run.metrics };
}

/**
 * The check run's conclusion for a request: `cancelled` when every run that did not finish was cancelled (a
 * `/train cancel`, or the PR closed), otherwise the best run's verdict (compare.ts).
 */
export function requestConclusion(runs: readonly RunResult[], best: RunResult | undefined, baseline: Baseline | undefined, config: TrainbotConfig): CheckConclusion {
  const unfinished = runs.filter((r) => r.state !== 'finished');
  if (unfinished.length > 0 && unfinished.every((r) => r.state === 'cancelled')) return 'cancelled';
  return conclusionFor(best, baseline, config);
}

/** The params a command set, `alpha=0.1 l1_ratio=0.2`, or `default params`. */
export function describeRequest(run: PlannedRun): string {
  return run.swept.map((k) => `${k}=${String(run.params[k])}`).join(' ') || 'default params';
}

/**
 * The answer to a usage error. The parser stops at the first word it cannot read, but a value typed before
 * that word may be wrong too (`alpha=1;rm -rf /`): the answer is about whichever comes first in the line.
 */
export function usageAnswer(reply: Extract<ParseResult, { type: 'reply' }>, config: TrainbotConfig): string {
  return (reply.typedBefore && firstValueProblem(reply.typedBefore, config)) ?? reply.message;
}

/** Parse and plan only: the runs a request would start, or the reply that stops it. */
export function planRequest(commandText: string, config: TrainbotConfig): { runs: PlannedRun[] } | { reply: string } {
  const parsed = parseCommand(commandText);
  if (parsed.type === 'ignore') return { reply: 'That is not a trainbot command; write it like `/train alpha=0.5` (or `/train help`).' };
  if (parsed.type === 'reply') return { reply: usageAnswer(parsed, config) };
  if (parsed.command.kind === 'help') return { reply: renderHelp(config) };
  if (parsed.command.kind === 'cancel') return { reply: '`/train cancel` stops the runs of a pull request; there is nothing to cancel here.' };
  const plan = planRuns(parsed.command.params, config);
  return plan.ok ? { runs: plan.runs } : { reply: plan.message };
}

export async function runRequest(input: RequestInput): Promise<RequestOutcome> {
  const { config, tracking, runner } = input;
  const now = input.now ?? Date.now;
  const progress = input.onProgress ?? (() => undefined);
  const planned = planRequest(input.commandText, config);
  if ('reply' in planned) return { kind: 'reply', message: planned.reply };

  // Candidates and baselines live in separate experiments (src/tracking/experiment-names.ts).
  const experiments = await ensureRoleExperiments(tracking, config);
  const experimentId = experiments.candidates;
  const baselinePlan = planBaseline(config);
  const query = { experimentId: experiments.baselines, repo: input.origin.repo, branch: config.baselineBranch, params: baselinePlan.paramsKey };
  let baselineRun = await findBaseline(tracking, query);
  if (!baselineRun && input.trainMissingBaseline) {
    progress(`No baseline for ${config.baselineBranch} yet: training one with the default params (${baselinePlan.paramsKey}).`);
    const [trained] = await executeRuns({
      plans: [baselinePlan], config, tracking, runner, experimentId: experiments.baselines, secrets: input.secrets,
      origin: { ...input.origin, branch: config.baselineBranch, request: `${input.origin.request}-baseline`, pr: undefined, role: 'baseline' },
      onError: input.onError,
    });
    if (trained?.state !== 'finished') progress(`The baseline run did not finish (${trained?.reason ?? 'unknown reason'}); comparing without one.`);
    baselineRun = await findBaseline(tracking, query);
  }
  const baseline = toBaseline(baselineRun);

  progress(`Starting ${planned.runs.length} run${planned.runs.length === 1 ? '' : 's'}.`);
  const runs = await executeRuns({
    plans: planned.runs, config, tracking, runner, experimentId, secrets: input.secrets,
    origin: { ...input.origin, role: 'candidate' },
    maxParallel: input.maxParallel,
    onChange: input.onChange,
    onError: input.onError,
  });
  const best = rankRuns(runs, config)[0];
  const markdown = renderReport({
    title: planned.runs.length === 1 ? `trainbot: ${describeRequest(planned.runs[0] as PlannedRun)} vs baseline` : `trainbot sweep: ${planned.runs.length} runs vs baseline`,
    runs, baseline, config, now: now(),
    runUrl: input.runUrl ? (runId) => input.runUrl?.(runId === baseline?.runId ? experiments.baselines : experimentId, runId) : undefined,
    noBaselineHint: 'Run `trainbot run "/train"` on the baseline branch, or merge a pull request: trainbot trains one on merge.',
  });
  return { kind: 'report', markdown, runs, baseline, best, conclusion: requestConclusion(runs, best, baseline, config), experimentId };
}
