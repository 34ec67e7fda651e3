// A `/train …` comment on a pull request, from webhook to posted table (DESIGN.md "The data flow"):
//   1. ignore what is not a command for us   2. read the config from the base branch   3. authorize
//   4. plan (all validation before anything starts)   5. acknowledge: 👀, check run, living comment
//   6. the request core (run-request.ts): baseline, dispatch → wait → collect, compare, render, with every
//      change pushed to the living comment   7. the final comment, the check run concluded
// This file adapts the core to GitHub; the markdown it posts comes from src/report/. User mistakes get a short
// answer; internal errors a collapsed note, and the error goes to the log. A command that was accepted but
// could not be carried out rejects with CommandFailed once the PR has been told.
import { parseCommand } from '../commands/parse-command.js';
import { CONFIG_PATH, describeConfigErrors, parseConfig } from '../config/load-config.js';
import type { TrainbotConfig } from '../config/config-types.js';
import { commentMarker } from '../github/comment-marker.js';
import { COMMENT_BODY_LIMIT } from '../github/github-limits.js';
import type { GitHubPort, PullRequestInfo } from '../github/github-port.js';
import { headAtComment } from '../github/head-at-comment.js';
import { authorize, isBot } from '../auth/authorize.js';
import { escapeMarkdown } from '../report/markdown-escape.js';
import { renderFailureDetails } from '../report/render-failure-details.js';
import { type StopPoint, STOP_TEXT, errorSummary, renderErrorNote } from '../report/render-error-note.js';
import { requestTitle } from '../report/render-report.js';
import type { PlannedRun } from '../runs/plan.js';
import type { Runner } from '../runners/runner.js';
import { type RoleExperiments, ensureRoleExperiments } from '../tracking/role-experiments.js';
import { findRequestRuns } from '../tracking/run-queries.js';
import type { Tracking } from '../tracking/tracking.js';
import type { ImageWait } from './await-image.js';
import { cancelPullRequestRuns } from './cancel-runs.js';
import { planCommand } from './plan-request.js';
import { runRequest } from './run-request.js';
import { CLAIM_NOTES } from './claim-notes.js';
import { throttleLatest } from './throttle-latest.js';

export interface CommentEvent {
  repo: string; // owner/name
  issueNumber: number;
  isPullRequest: boolean;
  action: string; // only `created` is acted on: an edit never re-triggers a command
  commentId: number;
  body: string;
  author: { login: string; type: string };
  createdAt: string; // the comment's created_at: the head trained is the one at this time
  installationId?: number; // the GitHub App installation, so a reconciler can reach the repository later
}

export interface Logger {
  info(message: string): void;
  error(error: unknown, message: string): void;
}

export interface TrainCommentDeps {
  github: GitHubPort;
  tracking: Tracking;
  runnerFor: (config: TrainbotConfig) => Runner;
  log: Logger;
  runUrl?: (experimentId: string, runId: string) => string;
  now?: () => number;
  commentIntervalMs?: number;
  secrets?: readonly string[]; // hidden in the log tails of failed runs
  /** Pin the Jobs to the digest CI pushed for the head, waiting for its build (src/pipeline/await-image.ts). */
  images?: ImageWait;
}

export const CHECK_NAME = 'trainbot';
/** The living comment's key for a request: the comment id, or the id of a re-run (rerunRequest). */
export const statusKey = (request: number | string) => `train-${request}`;
const NO_BASELINE_HINT = 'Merge a pull request to start one: trainbot trains a baseline on every merge.';

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

/** The sentence an error carries for users (GitHub, MLflow and runner errors do), or undefined for a bug. */
export function userSentence(error: unknown): string | undefined {
  const known = error instanceof Error && ['GitHubError', 'TrackingError', 'RunnerError'].includes(error.name);
  return known ? (error as Error).message : undefined;
}

export async function loadConfig(
  github: Pick<GitHubPort, 'readConfig'>,
  pr: Pick<PullRequestInfo, 'baseRef'>,
): Promise<{ config: TrainbotConfig } | { reply: string }> {
  // The base branch's config, never the PR's: a PR must not be able to lower its own permission or fork policy.
  const text = await github.readConfig(pr.baseRef);
  if (text === undefined)
    return {
      reply: `trainbot is not set up for \`${pr.baseRef}\`: add \`${CONFIG_PATH}\` there (see trainbot's README, "Configuration").`,
    };
  const loaded = parseConfig(text);
  return loaded.ok ? { config: loaded.config } : { reply: describeConfigErrors(loaded.errors) };
}

function cancelReply(names: readonly string[]): string {
  if (names.length === 0) return 'No trainbot runs of this pull request are running; nothing to cancel.';
  return `Cancelled ${names.length} run${names.length === 1 ? '' : 's'}: ${names.map((n) => `\`${n}\``).join(', ')}.`;
}

export async function onTrainComment(event: CommentEvent, deps: TrainCommentDeps): Promise<void> {
  // 1. Only new comments on pull requests by people, with a command line we can read.
  if (!isCommandCandidate(event)) return;
  const parsed = parseCommand(event.body);
  if (parsed.type === 'ignore') return;
  await handleCommandAnswering(event, parsed, deps);
}

/** A request started again from the checks tab (on-check-rerequested.ts): its own request id and the sha the check ran on. */
export interface Rerun {
  request: string;
  headSha: string;
}

export type ParsedCommand = Exclude<ReturnType<typeof parseCommand>, { type: 'ignore' }>;

/**
 * Steps 2–7 for a command from `event.author`, with the one catch every entry shares: an error before anything
 * started becomes a "Nothing was started" comment and CommandFailed. A re-run passes `rerun`.
 */
export async function handleCommandAnswering(
  event: CommentEvent,
  parsed: ParsedCommand,
  deps: TrainCommentDeps,
  rerun?: Rerun,
): Promise<void> {
  try {
    await handleCommand(event, parsed, deps, rerun);
  } catch (error) {
    if (error instanceof CommandFailed) throw error; // the check run and the comment already say so
    return startFailed(event, error, deps);
  }
}

/** Before anything was started, GitHub, MLflow or the runner failed us: say so on the pull request, then reject. */
export async function startFailed(
  event: Pick<CommentEvent, 'repo' | 'issueNumber'>,
  error: unknown,
  deps: Pick<TrainCommentDeps, 'github' | 'log'>,
): Promise<never> {
  deps.log.error(error, `/train on ${event.repo}#${event.issueNumber} could not start`);
  // Their errors carry a sentence for users; anything else is a bug, kept to the log.
  const message =
    userSentence(error) ?? 'trainbot hit an internal error before starting anything; the bot log has the details.';
  await deps.github
    .createComment(event.issueNumber, `Nothing was started: ${escapeMarkdown(message)}`)
    .catch(() => undefined);
  throw new CommandFailed(`Nothing was started: ${message}`, { cause: error });
}

async function handleCommand(
  event: CommentEvent,
  parsed: ParsedCommand,
  deps: TrainCommentDeps,
  rerun?: Rerun,
): Promise<void> {
  const { github, log } = deps;
  const answer = (text: string) => github.createComment(event.issueNumber, text);

  // 2–3. Config from the base branch, then who is asking. The head sha is read here, checked against the head
  // at the comment's time before anything starts, and used throughout.
  const pr = await github.pullRequest(event.issueNumber);
  const loaded = await loadConfig(github, pr);
  if ('reply' in loaded) return void (await answer(loaded.reply));
  const { config } = loaded;
  const auth = await authorize({ github, commenter: event.author.login, pr, config });
  if (!auth.allowed) {
    log.info(`refused /train from ${event.author.login}: ${auth.reason}`);
    return void (await answer(auth.reason));
  }

  // 4. What was asked; everything is validated before anything starts.
  const plan = planCommand(parsed, config);
  if (plan.kind === 'reply') return void (await answer(plan.message));
  const runner = deps.runnerFor(config);
  if (plan.kind === 'cancel') {
    const cancelled = await cancelPullRequestRuns(runner, event.repo, event.issueNumber);
    return void (await answer(cancelReply(cancelled.map((h) => h.name))));
  }
  if (pr.state !== 'open') return void (await answer('This pull request is closed; reopen it to train.'));

  // One set of runs per comment (or per re-run), however often GitHub delivers it and however many bot processes
  // get it: the claim stops a delivery racing another, the MLflow lookup one that comes after the first was handled.
  const request = rerun?.request ?? String(event.commentId);
  const requestKey = `${event.repo}#${request}`;
  // The notes say what a reconciler needs to finish this request if this process dies (src/pipeline/reconcile.ts).
  const notes: Record<string, string> = {
    [CLAIM_NOTES.repo]: event.repo,
    [CLAIM_NOTES.pr]: String(event.issueNumber),
    [CLAIM_NOTES.comment]: request,
    [CLAIM_NOTES.request]: request,
    [CLAIM_NOTES.marker]: statusKey(event.commentId),
    [CLAIM_NOTES.sha]: pr.headSha,
    [CLAIM_NOTES.checkRef]: checkExternalId(event.issueNumber, event.commentId),
    ...(event.installationId !== undefined ? { [CLAIM_NOTES.installation]: String(event.installationId) } : {}),
  };
  if (!(await runner.claim(requestKey, notes)))
    return log.info(`comment ${request} is being handled by another delivery; this one is ignored`);
  try {
    // Both experiments exist before any Job runs (src/tracking/role-experiments.ts); the request's runs are candidates.
    const experiments = await ensureRoleExperiments(deps.tracking, config);
    await runner.noteClaim?.(requestKey, { [CLAIM_NOTES.experiment]: experiments.candidates });
    const earlier = await findRequestRuns(
      deps.tracking,
      { experimentId: experiments.candidates, repo: event.repo, request },
      1,
    );
    if (earlier.runs.length > 0) return log.info(`request ${request} was already handled; redelivery ignored`);
    if (rerun) {
      // A re-run trains the commit its check run was on, and only while that is still the head.
      if (rerun.headSha !== pr.headSha) return void (await answer(headMovedReply(rerun.headSha, pr.headSha)));
    } else {
      // The head the comment approved, by GitHub's clock; a push after the comment is not trained under it.
      const pushes = pr.headRepoFullName ? await github.branchPushes(pr.headRepoFullName, pr.headRef) : [];
      const pin = headAtComment({
        headSha: pr.headSha,
        headRef: pr.headRef,
        commentCreatedAt: event.createdAt,
        pushes,
      });
      if (!pin.ok) return void (await answer(pin.reason));
    }
    await trainAndReport(event, deps, { config, pr, experiments, request, requestKey, plans: plan.runs, runner });
  } finally {
    await runner
      .release(requestKey)
      .catch((e: unknown) => log.error(e, `could not release the claim on ${requestKey}`));
  }
}

interface Accepted {
  config: TrainbotConfig;
  pr: PullRequestInfo;
  experiments: RoleExperiments;
  request: string;
  requestKey: string;
  plans: PlannedRun[];
  runner: Runner;
}

export function headMovedReply(checked: string, head: string): string {
  return `This check ran on \`${checked.slice(0, 7)}\`, but the pull request's head is now \`${head.slice(0, 7)}\`, so the re-run was not started; comment the \`/train\` command again to train the new head.`;
}

/**
 * What a trainbot check run carries in `external_id` to lead a "Re-run" back to its request: the pull request
 * and the comment with the command. A re-run's check run names the same comment, so it can be re-run too.
 */
export const checkExternalId = (pr: number, commentId: number) => `train:${pr}:${commentId}`;

/** 5–7: acknowledge, run the request core with a living comment, then the final comment and the check run. */
async function trainAndReport(event: CommentEvent, deps: TrainCommentDeps, p: Accepted): Promise<void> {
  const { github, log } = deps;
  const title = requestTitle(p.plans);
  const key = statusKey(p.request);

  // 5. Acknowledge at once. From the check run on, every way out concludes it.
  await github.react(event.commentId, 'eyes');
  const checkId = await github.createCheck({
    name: CHECK_NAME,
    headSha: p.pr.headSha,
    externalId: checkExternalId(event.issueNumber, event.commentId),
    status: 'in_progress',
    output: { title: 'Training', summary: `Requested by @${event.author.login} for \`${p.pr.headSha.slice(0, 7)}\`.` },
  });
  await p.runner.noteClaim?.(p.requestKey, { [CLAIM_NOTES.check]: String(checkId), [CLAIM_NOTES.title]: title });
  // Each final step done is noted on the claim, so a reconciler finishing this request after a crash skips it.
  const done = async (steps: string) => p.runner.noteClaim?.(p.requestKey, { [CLAIM_NOTES.done]: steps });
  const living = throttleLatest<string>(deps.commentIntervalMs ?? 5000, async (markdown) => {
    await github.upsertComment(event.issueNumber, key, markdown);
  });
  let stop: StopPoint = 'before-start';
  let reported = false;
  try {
    // 6. The core; 🚀 once the first run is accepted by the runner. One run's failure, whatever threw it, fails
    // that run only: the report still covers every run.
    const report = await runRequest({
      plans: p.plans,
      config: p.config,
      tracking: deps.tracking,
      runner: p.runner,
      experiments: p.experiments,
      origin: { repo: event.repo, pr: event.issueNumber, sha: p.pr.headSha, branch: p.pr.headRef, request: p.request },
      missingBaseline: 'compare-without',
      noBaselineHint: NO_BASELINE_HINT,
      title,
      images: deps.images,
      secrets: deps.secrets,
      runUrl: deps.runUrl,
      now: deps.now,
      onError: (error, name) =>
        log.error(error, `/train on ${event.repo}#${event.issueNumber}: run ${name} failed inside trainbot`),
      onChange: (runs, markdown) => {
        living.push(markdown);
        if (stop === 'before-start' && runs.some((r) => r.state !== 'queued')) {
          stop = 'while-running';
          github.react(event.commentId, 'rocket').catch((e: unknown) => log.error(e, 'rocket reaction failed'));
        }
      },
    });
    stop = 'after-runs';
    // 7. The final comment, then the check run.
    await living.close();
    // The logs get what the report leaves of GitHub's limit (the hidden marker counts too).
    const details = renderFailureDetails(
      report.runs,
      COMMENT_BODY_LIMIT - commentMarker(key).length - 1 - report.markdown.length - 2,
    );
    await github.upsertComment(event.issueNumber, key, details ? `${report.markdown}\n\n${details}` : report.markdown);
    reported = true;
    await done('comment');
    const plural = report.runs.length === 1 ? '' : 's';
    // "Details" opens the best run in MLflow (the first run that has one when none finished).
    const linked = report.best?.runId ?? report.runs.find((r) => r.runId)?.runId;
    const detailsUrl = linked ? deps.runUrl?.(report.experimentId, linked) : undefined;
    await github.updateCheck(checkId, {
      conclusion: report.conclusion,
      output: { title: `${report.finished} of ${report.runs.length} run${plural} finished`, summary: report.markdown },
      ...(detailsUrl ? { detailsUrl } : {}),
    });
    await done('comment,check');
    if (report.finished < report.runs.length)
      await github.react(event.commentId, 'confused').catch((e: unknown) => log.error(e, 'confused reaction failed'));
  } catch (error) {
    log.error(error, `/train on ${event.repo}#${event.issueNumber} failed`);
    await living.close().catch(() => undefined);
    // GitHub, MLflow and the runner say what went wrong in a sentence; anything else is a bug, kept to the log.
    const sentence = userSentence(error);
    // A report already posted stays: it is right, only concluding the check run after it failed.
    if (!reported)
      await github
        .upsertComment(event.issueNumber, key, renderErrorNote({ title, stop, sentence, error }))
        .catch((e: unknown) => log.error(e, 'could not post the error note'));
    await github
      .updateCheck(checkId, {
        conclusion: 'failure',
        output: { title: STOP_TEXT[stop], summary: errorSummary(sentence) },
      })
      .catch((e: unknown) => log.error(e, 'could not conclude the check run'));
    await github.react(event.commentId, 'confused').catch(() => undefined);
    throw new CommandFailed(sentence ?? 'trainbot hit an internal error; the log above has the details.', {
      cause: error,
    });
  }
}
