// The gate in front of the self-hosted runner (docs/security.md). It runs on a GitHub-hosted runner before
// any job that can reach the cluster, and lets a workflow event through only when the bot itself would act on
// it, decided by the bot's own code: the command line (parse-command), the base branch's config, the
// commenter's permission and the fork policy (src/auth/authorize.ts). A refusal carries the bot's own sentence,
// or none where the bot stays silent (bots, comments that are not commands).
import { authorize, isBot } from '../../../src/auth/authorize.js';
import { parseCommand } from '../../../src/commands/parse-command.js';
import { escapeMarkdown } from '../../../src/report/markdown-escape.js';
import { mergedPullRequest, isPushPayload, type PushPayload } from '../../../src/github/merge-from-push.js';
import type { GitHubPort } from '../../../src/github/github-port.js';
import { requestOfCheck } from '../../../src/pipeline/on-check-rerequested.js';
import {
  CHECK_NAME,
  isCommandCandidate,
  loadConfig,
  userSentence,
  type CommentEvent,
} from '../../../src/pipeline/on-train-comment.js';

export interface GateDecision {
  allowed: boolean;
  /** The pull request the gated job works on: its concurrency key. */
  pr?: number;
  /** The sentence the bot would post on the pull request `pr`; none for a silent refusal. */
  answer?: string;
  /** GitHub failed the check, or a dispatch was refused: the gate's job fails so the run shows it. */
  failed?: boolean;
  /** Why, for the job log. */
  reason: string;
}

export interface GateDeps {
  github: Pick<GitHubPort, 'pullRequest' | 'readConfig' | 'permission'>;
  repos: Parameters<typeof mergedPullRequest>[0];
}

interface CommentPayload {
  action: string;
  issue: { number: number; pull_request?: unknown };
  comment: { id: number; body?: string | null; created_at: string; user?: { login: string; type: string } | null };
  repository: { full_name: string };
}

interface CheckRunPayload {
  action: string;
  check_run: { name: string; external_id: string | null };
  sender: { login: string; type: string };
}

interface DispatchPayload {
  repository: { full_name: string; default_branch: string };
  sender: { login: string; type: string };
}

/** The same fields src/index.ts (commentEvent) hands the bot's pipeline. */
function commentEvent(payload: CommentPayload): CommentEvent {
  return {
    repo: payload.repository.full_name,
    issueNumber: payload.issue.number,
    isPullRequest: Boolean(payload.issue.pull_request),
    action: payload.action,
    commentId: payload.comment.id,
    body: payload.comment.body ?? '',
    createdAt: payload.comment.created_at,
    author: { login: payload.comment.user?.login ?? '', type: payload.comment.user?.type ?? 'User' },
  };
}

export async function authorizeEvent(name: string, payload: unknown, deps: GateDeps): Promise<GateDecision> {
  try {
    if (name === 'issue_comment') return await gateComment(commentEvent(payload as CommentPayload), deps);
    if (name === 'push' && isPushPayload(payload)) return await gateMerge(payload, deps);
    if (name === 'workflow_dispatch') return await gateDispatch(payload as DispatchPayload, deps);
    if (name === 'check_run') return await gateRerun(payload as CheckRunPayload, deps);
    return { allowed: false, reason: `trainbot does not act on ${name} events.` };
  } catch (error) {
    // As the bot answers when GitHub fails it before anything started (on-train-comment.ts).
    const message =
      userSentence(error) ??
      'trainbot hit an internal error before starting anything; the gate job log has the details.';
    const pr =
      name === 'issue_comment'
        ? (payload as CommentPayload).issue.number
        : name === 'check_run'
          ? requestOfCheck((payload as CheckRunPayload).check_run.external_id ?? '')?.pr
          : undefined;
    return {
      allowed: false,
      failed: true,
      reason: String(error),
      answer: `Nothing was started: ${escapeMarkdown(message)}`,
      ...(pr ? { pr } : {}),
    };
  }
}

/** A `/train` comment: steps 1–3 of the bot's own handling, in its order. */
async function gateComment(event: CommentEvent, { github }: GateDeps): Promise<GateDecision> {
  if (!isCommandCandidate(event) || parseCommand(event.body).type === 'ignore') {
    return { allowed: false, reason: 'The comment is not a trainbot command (or was edited, or written by a bot).' };
  }
  const pr = await github.pullRequest(event.issueNumber);
  const loaded = await loadConfig(github, pr);
  if ('reply' in loaded)
    return {
      allowed: false,
      pr: pr.number,
      answer: loaded.reply,
      reason: 'The base branch has no usable trainbot config.',
    };
  const auth = await authorize({ github, commenter: event.author.login, pr, config: loaded.config });
  if (!auth.allowed) return { allowed: false, pr: pr.number, reason: auth.reason, answer: auth.reason };
  return { allowed: true, pr: pr.number, reason: `@${event.author.login} may run trainbot commands on #${pr.number}.` };
}

/**
 * "Re-run" on trainbot's check run: the person who pressed it needs the permission the base branch's config asks,
 * as for a comment. The bot itself then checks the comment (not edited) and the head (still the check's sha).
 */
async function gateRerun(payload: CheckRunPayload, { github }: GateDeps): Promise<GateDecision> {
  const origin = requestOfCheck(payload.check_run.external_id ?? '');
  if (payload.action !== 'rerequested' || payload.check_run.name !== CHECK_NAME || !origin) {
    return { allowed: false, reason: 'The check run event is not a re-run of a trainbot check run.' };
  }
  if (isBot(payload.sender.login, payload.sender.type))
    return { allowed: false, reason: `Re-runs by bots are ignored (${payload.sender.login}).` };
  const pr = await github.pullRequest(origin.pr);
  const loaded = await loadConfig(github, pr);
  if ('reply' in loaded)
    return {
      allowed: false,
      pr: pr.number,
      answer: loaded.reply,
      reason: 'The base branch has no usable trainbot config.',
    };
  const auth = await authorize({ github, commenter: payload.sender.login, pr, config: loaded.config });
  if (!auth.allowed) return { allowed: false, pr: pr.number, reason: auth.reason, answer: auth.reason };
  return {
    allowed: true,
    pr: pr.number,
    reason: `@${payload.sender.login} may re-run trainbot's check on #${pr.number}.`,
  };
}

/** A push to the default branch: only the merge of a pull request is work for trainbot. */
async function gateMerge(push: PushPayload, { repos }: GateDeps): Promise<GateDecision> {
  const pr = await mergedPullRequest(repos, push);
  if (!pr) return { allowed: false, reason: `The push of ${push.after} to ${push.ref} merged no pull request.` };
  // Only someone who may write to the default branch can merge into it: the merge is its own authorization.
  return { allowed: true, pr: pr.number, reason: `${push.after} merged #${pr.number} into ${pr.base.ref}.` };
}

/** A sweep from the Actions tab: the person who started it needs the permission the default branch's config asks. */
async function gateDispatch(payload: DispatchPayload, { github }: GateDeps): Promise<GateDecision> {
  const { repository, sender } = payload;
  const loaded = await loadConfig(github, { baseRef: repository.default_branch });
  if ('reply' in loaded)
    return {
      allowed: false,
      failed: true,
      answer: loaded.reply,
      reason: 'The default branch has no usable trainbot config.',
    };
  if (isBot(sender.login, sender.type))
    return { allowed: false, failed: true, reason: `Sweeps started by bots are refused (${sender.login}).` };
  // Nothing of a fork is involved: the dispatch names a ref of this repository.
  const auth = await authorize({
    github,
    commenter: sender.login,
    pr: { isFork: false, headRepoFullName: repository.full_name },
    config: loaded.config,
  });
  if (!auth.allowed) return { allowed: false, failed: true, answer: auth.reason, reason: auth.reason };
  return { allowed: true, reason: `@${sender.login} may run trainbot sweeps.` };
}
