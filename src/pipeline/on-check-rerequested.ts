// "Re-run" on trainbot's check run in the checks tab (`check_run.rerequested`) runs its request again:
//   1. only trainbot's own check runs, re-run by a person   2. back to the request: the check run's external_id
//   names the pull request and the comment with the command   3. that comment, as written (an edited one is not
//   re-run)   4. the same steps as a new comment (on-train-comment.ts), authorized for whoever pressed the
//   button, for the sha the check ran on while it is still the head, as a new request with its own id, living
//   comment and check run.
import { isBot } from '../auth/authorize.js';
import { parseCommand } from '../commands/parse-command.js';
import { GitHubError } from '../github/github-port.js';
import {
  CHECK_NAME,
  type CommentEvent,
  type TrainCommentDeps,
  handleCommandAnswering,
  startFailed,
} from './on-train-comment.js';

export interface CheckRerunEvent {
  repo: string; // owner/name
  checkRunId: number;
  name: string;
  externalId: string;
  headSha: string;
  sender: { login: string; type: string };
}

const EXTERNAL_ID = /^train:(\d+):(\d+)$/;

/** The pull request and comment a trainbot check run reports on, from its external_id (checkExternalId). */
export function requestOfCheck(externalId: string): { pr: number; commentId: number } | undefined {
  const match = EXTERNAL_ID.exec(externalId);
  return match ? { pr: Number(match[1]), commentId: Number(match[2]) } : undefined;
}

/** A re-run's request id: the check run it re-runs, so a redelivered click starts nothing twice. */
export const rerunRequest = (commentId: number, checkRunId: number) => `${commentId}.rerun-${checkRunId}`;

export async function onCheckRerequested(event: CheckRerunEvent, deps: TrainCommentDeps): Promise<void> {
  // 1–2. Not ours (another app's check, or one made before check runs carried external_id), or a bot: silence.
  const origin = requestOfCheck(event.externalId);
  if (event.name !== CHECK_NAME || !origin)
    return deps.log.info(`check run ${event.checkRunId} (${event.name}) is not a trainbot request; re-run ignored`);
  if (isBot(event.sender.login, event.sender.type))
    return deps.log.info(`re-run of check run ${event.checkRunId} by the bot ${event.sender.login} ignored`);

  // 3. The command as it was given. An edited comment never triggers anything, a re-run included.
  const answer = (text: string) => deps.github.createComment(origin.pr, text);
  let comment;
  try {
    comment = await deps.github.comment(origin.commentId);
  } catch (error) {
    if (!(error instanceof GitHubError && error.status === 404))
      return startFailed({ repo: event.repo, issueNumber: origin.pr }, error, deps);
    return void (await answer(
      `The comment this check ran for was deleted, so the re-run was not started; comment the \`/train\` command again.`,
    ));
  }
  if (comment.updatedAt !== comment.createdAt) {
    return void (await answer(
      `The comment this check ran for was edited after it was made, so the re-run was not started; comment the \`/train\` command again.`,
    ));
  }
  const parsed = parseCommand(comment.body);
  if (parsed.type === 'ignore')
    return deps.log.info(`comment ${origin.commentId} holds no /train command; re-run ignored`);

  // 4. The request again, as its own request.
  const asComment: CommentEvent = {
    repo: event.repo,
    issueNumber: origin.pr,
    isPullRequest: true,
    action: 'created',
    commentId: origin.commentId,
    body: comment.body,
    author: event.sender,
    createdAt: comment.createdAt,
  };
  await handleCommandAnswering(asComment, parsed, deps, {
    request: rerunRequest(origin.commentId, event.checkRunId),
    headSha: event.headSha,
  });
}
