import { describe, expect, it } from '@jest/globals';
import type { BranchPush } from '../../../src/github/github-port.js';
import { headAtComment } from '../../../src/github/head-at-comment.js';

const HEAD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const COMMENT_AT = '2026-01-01T12:00:00Z';
const push = (after: string, at: string, type = 'push'): BranchPush => ({ after, at, type });
const pin = (pushes: BranchPush[], headSha = HEAD, commentCreatedAt = COMMENT_AT) =>
  headAtComment({ headSha, headRef: 'tune-alpha', commentCreatedAt, pushes });
const AGAIN = 'comment your `/train` command again to train the current head.';

describe('headAtComment', () => {
  it('trains the head when the last change before the comment left it and nothing changed since', () => {
    expect(
      pin([push(HEAD, '2026-01-01T11:59:59Z'), push('c'.repeat(40), '2026-01-01T10:00:00Z', 'force_push')]),
    ).toEqual({ ok: true, sha: HEAD });
  });

  it('starts nothing when the branch changed after the comment, naming the new head', () => {
    expect(pin([push(NEW, '2026-01-01T12:03:00Z'), push(HEAD, '2026-01-01T11:00:00Z')], NEW)).toEqual({
      ok: false,
      reason: `The head of \`tune-alpha\` moved to \`bbbbbbb\` after your comment, so trainbot started nothing: ${AGAIN}`,
    });
  });

  it('names the newest change after the comment, in whatever order the pushes come', () => {
    const result = pin([
      push(HEAD, '2026-01-01T11:00:00Z'),
      push('c'.repeat(40), '2026-01-01T12:01:00Z'),
      push(NEW, '2026-01-01T12:05:00Z', 'force_push'),
    ]);
    expect(result.ok ? '' : result.reason).toContain('moved to `bbbbbbb`');
  });

  it('counts a change in the same second as the comment, or at a time it cannot read, as after it', () => {
    expect(pin([push(HEAD, COMMENT_AT)]).ok).toBe(false);
    expect(pin([push(HEAD, 'yesterday'), push(HEAD, '2026-01-01T11:00:00Z')]).ok).toBe(false);
  });

  it('starts nothing when the head read now is not what the last change before the comment left (a push GitHub has not listed yet)', () => {
    expect(pin([push(HEAD, '2026-01-01T11:00:00Z')], NEW)).toEqual({
      ok: false,
      reason: `The head of this pull request (\`bbbbbbb\`) is not the commit last pushed to \`tune-alpha\` before your comment (\`aaaaaaa\`), so trainbot started nothing: ${AGAIN}`,
    });
  });

  it('starts nothing when GitHub lists no change to the branch at all, and says what to do', () => {
    expect(pin([])).toEqual({
      ok: false,
      reason: `trainbot found no push to \`tune-alpha\` in GitHub's activity for the repository, so it cannot tell which commit your comment was for and started nothing: push to the branch, then ${AGAIN}`,
    });
  });

  it('starts nothing when the comment time cannot be read', () => {
    expect(pin([push(HEAD, '2026-01-01T11:00:00Z')], HEAD, '')).toEqual({
      ok: false,
      reason: `trainbot could not read when your comment was made, so it started nothing; ${AGAIN}`,
    });
  });

  it('keeps a branch name with a backtick inside its code span', () => {
    const result = headAtComment({ headSha: HEAD, headRef: 'a`b', commentCreatedAt: COMMENT_AT, pushes: [] });
    expect(result.ok ? '' : result.reason).toContain("`a'b`");
  });
});
