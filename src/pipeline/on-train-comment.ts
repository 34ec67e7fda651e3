// A `/train …` comment on a pull request, from webhook to posted table (DESIGN.md "The data flow"):
//   1. ignore what is not a command for us   2. read the config from the base branch   3. authorize
//   4. plan (all validation before anything starts)   5. acknowledge: 👀, check run, living comment
//   6. dispatch → wait → collect, updating the comment   7. compare, render, conclude the check
// User mistakes get a short answer; internal errors a collapsed note, and the error goes to the log. A command
// that was accepted but could not be carried out rejects with CommandFailed once the PR has been told.
import { parseCommand } from '../commands/parse-command.js';
import { renderHelp } from '../commands/help.js';
import { escapeMarkdown } from '../commands/quote-input.js';
import { CONFIG_PATH, describeConfigErrors, parseConfig } from '../config/load-config.js';
import type { TrainbotConfig } from '../config/config-types.js';
import type { GitHubPort, PullRequestInfo } from '../github/github-port.js';
import { authorize, isBot } from '../auth/authorize.js';
import { rankRuns, type RunResult } from '../report/compare.js';
import { renderReport } from '../report/render-report.js';
import { JOB_LABELS, labelValue } from '../runs/job-spec.js';
import { type PlannedRun, planBaseline, planRuns } from '../runs/plan.js';
import type { Runner } from '../runners/runner.js';
import type { MlflowClient } from '../tracking/mlflow-client.js';
import { findBaseline, findRequestRuns } from '../tracking/run-queries.js';
import { ensureRoleExperiments } from '../tracking/role-experiments.js';
import type { ImageWait } from './await-image.js';
import { type ExecutedRun, executeRuns } from './execute-runs.js';
import { describeRequest, requestConclusion, toBaseline, usageAnswer } from './run-request.js';
import { throttleLatest } from './throttle-latest.js';

export interface CommentEvent {
  repo: string;                     // owner/name
  issueNumber: number;
  isPullRequest: boolean;
  action: string;                   // only `created` is acted on: an edit never re-triggers a command
  commentId: number;
  body: string;
  author: { login: string; type: string };
}

export interface Logger {
  info(message: string): void;
  error(error: unknown, message: string): void;
}

export interface TrainCommentDeps {
  github: GitHubPort;
  tracking: Pick<MlflowClient, 'ensureExperiment' | 'createRun' | 'getRun' | 'setTerminated' | 'searchRuns' | 'searchAllRuns'>;
  runnerFor: (config: TrainbotConfig) => Runner;
  log: Logger;
  runUrl?: (experimentId: string, runId: string) => string;
  now?: () => number;
  commentIntervalMs?: number;
  secrets?: readonly string[];      // hidden in the log tails of failed runs
  /** Pin the Jobs to the digest CI pushed for the head, waiting for its build (src/pipeline/await-image.ts). */
  images?: ImageWait;
}

export const CHECK_NAME = 'trainbot';
export const statusKey = (commentId: number) => `train-${commentId}`;
const NO_BASELINE_HINT = 'Merge a pull request to start one: trainbot trains a baseline on every merge.';

/** Requests this process is handling now: a redelivery that arrives before MLflow knows the runs is dropped. */
const inFlight = new Set<string>();

/**
 * A command trainbot accepted but could not carry out, after the pull request was told why. onTrainComment
 * rejects with it so whatever delivered the event sees the failure: the Actions step exits non-zero and the
 * Probot server logs it. Refusals and usage errors are answers, not failures: they resolve.
 */
export class CommandFailed extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandFailed';
  }
}

export function isCommandCandidate(event: CommentEvent): boolean {
  return event.action === 'created' && event.isPullRequest && !isBot(event.author.login, event.author.type);
}

async function loadConfig(github: GitHubPort, pr: PullRequestInfo): Promise<{ config: TrainbotConfig } | { reply: string }> {
  // The base branch's config, never the PR's: a PR must not be able to lower its own permission or fork policy.
  const text = await github.readConfig(pr.baseRef);
  if (text === undefined) return { reply: `trainbot is not set up for \`${pr.baseRef}\`: add \`${CONFIG_PATH}\` there (see trainbot's README, "Configuration").` };
  const loaded = parseConfig(text);
  return loaded.ok ? { config: loaded.config } : { reply: describeConfigErrors(loaded.errors) };
}

async function cancelRuns(event: CommentEvent, runner: Runner): Promise<string> {
  const active = await runner.active({ [JOB_LABELS.repo]: labelValue(event.repo.replace('/', '.')), [JOB_LABELS.pr]: String(event.issueNumber) });
  await Promise.all(active.map((h) => runner.cancel(h)));
  if (active.length === 0) return 'No trainbot runs of this pull request are running; nothing to cancel.';
  return `Cancelled ${active.length} run${active.length === 1 ? '' : 's'}: ${active.map((h) => `\`${h.name}\``).join(', ')}.`;
}

function failureDetails(runs: readonly ExecutedRun[]): string {
  return runs.filter((r) => r.logTail).map((r) =>
    `<details><summary>Last lines of ${r.name}</summary>\n\n\`\`\`text\n${r.logTail?.replace(/```/g, "'''")}\n\`\`\`\n</details>`).join('\n');
}

export async function onTrainComment(event: CommentEvent, deps: TrainCommentDeps): Promise<void> {
  // 1. Only new comments on pull requests by people, with a command line we can read.
  if (!isCommandCandidate(event)) return;
  const parsed = parseCommand(event.body);
  if (parsed.type === 'ignore') return;
  try {
    await handleCommand(event, parsed, deps);
  } catch (error) {
    if (error instanceof CommandFailed) throw error;   // the check run and the comment already say so
    // Before anything was started: GitHub, MLflow or the runner failed us. Their errors carry a sentence for users.
    deps.log.error(error, `/train on ${event.repo}#${event.issueNumber} could not start`);
    const message = userSentence(error) ?? 'trainbot hit an internal error before starting anything; the bot log has the details.';
    await deps.github.createComment(event.issueNumber, `Nothing was started: ${escapeMarkdown(message)}`).catch(() => undefined);
    throw new CommandFailed(`Nothing was started: ${message}`, { cause: error });
  }
}

async function handleCommand(event: CommentEvent, parsed: Exclude<ReturnType<typeof parseCommand>, { type: 'ignore' }>, deps: TrainCommentDeps): Promise<void> {
  const { github, log } = deps;
  const answer = (text: string) => github.createComment(event.issueNumber, text);

  // 2–3. Config from the base branch, then who is asking. The head sha is recorded here and used throughout.
  const pr = await github.pullRequest(event.issueNumber);
  const loaded = await loadConfig(github, pr);
  if ('reply' in loaded) return void (await answer(loaded.reply));
  const { config } = loaded;
  const auth = await authorize({ github, commenter: event.author.login, commenterType: event.author.type, pr, config });
  if (!auth.allowed) {
    log.info(`refused /train from ${event.author.login}: ${auth.reason}`);
    if (!auth.silent) await answer(auth.reason);
    return;
  }

  // 4. What was asked; everything is validated before anything starts.
  if (parsed.type === 'reply') return void (await answer(usageAnswer(parsed, config)));
  const command = parsed.command;
  if (command.kind === 'help') return void (await answer(renderHelp(config)));
  const runner = deps.runnerFor(config);
  if (command.kind === 'cancel') return void (await answer(await cancelRuns(event, runner)));
  const plan = planRuns(command.params, config);
  if (!plan.ok) return void (await answer(plan.message));
  if (pr.state !== 'open') return void (await answer('This pull request is closed; reopen it to train.'));

  const request = String(event.commentId);
  const requestKey = `${event.repo}#${request}`;
  if (inFlight.has(requestKey)) return;
  inFlight.add(requestKey);
  try {
    // Both experiments exist before any Job runs (src/tracking/role-experiments.ts says why).
    const { candidates: experimentId, baselines: baselinesId } = await ensureRoleExperiments(deps.tracking, config);
    const earlier = await findRequestRuns(deps.tracking, { experimentId, repo: event.repo, request }, 1);
    if (earlier.runs.length > 0) return log.info(`comment ${request} was already handled; redelivery ignored`);
    await runRequest(event, deps, { config, pr, experimentId, baselinesId, request, plans: plan.runs, runner });
  } finally {
    inFlight.delete(requestKey);
  }
}

interface Prepared {
  config: TrainbotConfig;
  pr: PullRequestInfo;
  experimentId: string;
  baselinesId: string;
  request: string;
  plans: PlannedRun[];
  runner: Runner;
}

/** The sentence an error carries for users (GitHub, MLflow and runner errors do), or undefined for a bug. */
export function userSentence(error: unknown): string | undefined {
  const known = error instanceof Error && ['GitHubError', 'TrackingError', 'RunnerError'].includes(error.name);
  return known ? (error as Error).message : undefined;
}

async function runRequest(event: CommentEvent, deps: TrainCommentDeps, p: Prepared): Promise<void> {
  const { github, log } = deps;
  const now = deps.now ?? Date.now;
  const title = p.plans.length === 1
    ? `trainbot: ${describeRequest(p.plans[0] as PlannedRun)} vs baseline`
    : `trainbot sweep: ${p.plans.length} runs vs baseline`;
  const key = statusKey(event.commentId);

  // 5. Acknowledge at once. From the check run on, every way out concludes it.
  await github.react(event.commentId, 'eyes');
  const checkId = await github.createCheck({ name: CHECK_NAME, headSha: p.pr.headSha, status: 'in_progress', output: { title: 'Training', summary: `Requested by @${event.author.login} for \`${p.pr.headSha.slice(0, 7)}\`.` } });
  let comment: ReturnType<typeof throttleLatest<readonly RunResult[]>> | undefined;
  let launched = false;
  let runsEnded = false;
  let reported = false;
  try {
    const baselinePlan = planBaseline(p.config);
    const baseline = toBaseline(await findBaseline(deps.tracking, { experimentId: p.baselinesId, repo: event.repo, branch: p.config.baselineBranch, params: baselinePlan.paramsKey }));
    const render = (runs: readonly RunResult[]) => renderReport({
      title, runs, baseline, config: p.config, now: now(), noBaselineHint: NO_BASELINE_HINT,
      runUrl: deps.runUrl ? (runId) => deps.runUrl?.(runId === baseline?.runId ? p.baselinesId : p.experimentId, runId) : undefined,
    });
    comment = throttleLatest<readonly RunResult[]>(deps.commentIntervalMs ?? 5000, async (runs) => {
      await github.upsertComment(event.issueNumber, key, render(runs));
    });
    const living = comment;

    // 6. Dispatch, wait, collect; 🚀 once the first run is accepted by the runner. One run's failure, whatever
    // threw it, fails that run only: the report below still covers every run.
    const runs = await executeRuns({
      plans: p.plans, config: p.config, experimentId: p.experimentId, tracking: deps.tracking, runner: p.runner, secrets: deps.secrets, images: deps.images,
      origin: { repo: event.repo, pr: event.issueNumber, sha: p.pr.headSha, branch: p.pr.headRef, request: p.request, role: 'candidate' },
      onError: (error, name) => log.error(error, `/train on ${event.repo}#${event.issueNumber}: run ${name} failed inside trainbot`),
      onChange: (runs) => {
        living.push(runs);
        if (!launched && runs.some((r) => r.state !== 'queued')) {
          launched = true;
          github.react(event.commentId, 'rocket').catch((e: unknown) => log.error(e, 'rocket reaction failed'));
        }
      },
    });
    runsEnded = true;
    // 7. Compare, render, conclude.
    await living.close();
    const details = failureDetails(runs);
    await github.upsertComment(event.issueNumber, key, details ? `${render(runs)}\n\n${details}` : render(runs));
    reported = true;
    const best = rankRuns(runs, p.config)[0];
    const finished = runs.filter((r) => r.state === 'finished').length;
    await github.updateCheck(checkId, {
      conclusion: requestConclusion(runs, best, baseline, p.config),
      output: { title: `${finished} of ${runs.length} run${runs.length === 1 ? '' : 's'} finished`, summary: render(runs) },
    });
    if (finished < runs.length) await github.react(event.commentId, 'confused').catch((e: unknown) => log.error(e, 'confused reaction failed'));
  } catch (error) {
    log.error(error, `/train on ${event.repo}#${event.issueNumber} failed`);
    await comment?.close().catch(() => undefined);
    // GitHub, MLflow and the runner say what went wrong in a sentence; anything else is a bug, kept to the log.
    const sentence = userSentence(error);
    const where = runsEnded ? 'The runs ended, but trainbot could not finish reporting them' : launched ? 'trainbot stopped while the runs were going' : 'Nothing was started';
    const note = sentence !== undefined
      ? `${title}\n\n❌ ${where}: ${escapeMarkdown(sentence)}`
      : `${title}\n\n❌ ${where}: trainbot hit an internal error.\n\n<details><summary>What happened</summary>\n\n${(error as Error).name ?? 'Error'}: ${String((error as Error).message ?? error).slice(0, 500).replace(/[<>`]/g, '')}\n</details>`;
    // A report already posted stays: it is right, only concluding the check run after it failed.
    if (!reported) await github.upsertComment(event.issueNumber, key, note).catch((e: unknown) => log.error(e, 'could not post the error note'));
    const output = { title: where, summary: sentence !== undefined ? escapeMarkdown(sentence) : 'trainbot hit an internal error; see the pull request comment.' };
    await github.updateCheck(checkId, { conclusion: 'failure', output }).catch((e: unknown) => log.error(e, 'could not conclude the check run'));
    await github.react(event.commentId, 'confused').catch(() => undefined);
    throw new CommandFailed(sentence ?? 'trainbot hit an internal error; the log above has the details.', { cause: error });
  }
}
