// Which commit a `/train` comment approved. The bot reads the pull request's head when it handles the event,
// which in Actions mode can be minutes after the comment; a push in between would be trained under an approval
// given for other code. GitHub's repository activity lists every change to a branch with GitHub's own time
// (git's committer dates are whatever the author wrote), so the head at comment time is the commit the last
// change before the comment left. Pure: the pushes come from the GitHub port (branchPushes).
import type { BranchPush } from './github-port.js';

export type HeadPin = { ok: true; sha: string } | { ok: false; reason: string };

export interface HeadAtCommentInput {
  headSha: string; // the pull request's head as read now
  headRef: string;
  commentCreatedAt: string; // the comment's created_at from the event (GitHub's clock)
  pushes: readonly BranchPush[];
}

const short = (sha: string) => `\`${sha.slice(0, 7)}\``;
const AGAIN = 'comment your `/train` command again to train the current head.';

/**
 * The head to train, or the sentence that says why nothing starts. A change in the same second as the comment
 * counts as after it: both times are whole seconds, so the order is unknown, and asking again is the safe side.
 */
export function headAtComment(input: HeadAtCommentInput): HeadPin {
  const commentAt = Date.parse(input.commentCreatedAt);
  const branch = `\`${input.headRef.replace(/`/g, "'")}\``;
  if (!Number.isFinite(commentAt))
    return { ok: false, reason: `trainbot could not read when your comment was made, so it started nothing; ${AGAIN}` };
  const timed = input.pushes.map((p) => ({ ...p, time: Date.parse(p.at) }));
  // An unreadable time is treated as after the comment: never guess in the direction that trains.
  const after = timed.filter((p) => !(p.time < commentAt)).sort((a, b) => (b.time || 0) - (a.time || 0));
  const moved = after[0];
  if (moved) {
    return {
      ok: false,
      reason: `The head of ${branch} moved to ${short(moved.after)} after your comment, so trainbot started nothing: ${AGAIN}`,
    };
  }
  const before = timed.sort((a, b) => b.time - a.time)[0];
  if (!before) {
    return {
      ok: false,
      reason: `trainbot found no push to ${branch} in GitHub's activity for the repository, so it cannot tell which commit your comment was for and started nothing: push to the branch, then ${AGAIN}`,
    };
  }
  if (before.after !== input.headSha) {
    return {
      ok: false,
      reason: `The head of this pull request (${short(input.headSha)}) is not the commit last pushed to ${branch} before your comment (${short(before.after)}), so trainbot started nothing: ${AGAIN}`,
    };
  }
  return { ok: true, sha: before.after };
}
