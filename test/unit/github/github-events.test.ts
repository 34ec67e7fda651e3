// The event loader keeps GitHub's real payloads and changes only what each scenario needs.
import { describe, expect, it } from '@jest/globals';
import { issueCommentEvent, pullRequestClosedEvent, webhookExample } from '../../support/github-events.js';

describe('issueCommentEvent', () => {
  it('puts the command in the real created payload and marks the issue as a pull request', () => {
    const { name, payload } = issueCommentEvent({ body: '/train alpha=0.5' });
    const original = webhookExample('issue_comment', 'created');
    expect(name).toBe('issue_comment');
    expect(payload.action).toBe('created');
    expect(payload.comment.body).toBe('/train alpha=0.5');
    expect(payload.issue.pull_request).toEqual({
      url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1',
      html_url: 'https://github.com/Codertocat/Hello-World/pull/1',
      diff_url: 'https://github.com/Codertocat/Hello-World/pull/1.diff',
      patch_url: 'https://github.com/Codertocat/Hello-World/pull/1.patch',
      merged_at: null,
    });
    // Everything else is GitHub's example as it was.
    expect({ ...payload, comment: original.comment, issue: original.issue }).toEqual(original);
  });

  it('builds the edited delivery with its `changes`, and an installation from the real examples', () => {
    const { payload } = issueCommentEvent({ action: 'edited', body: '/train alpha=1' });
    if (payload.action !== 'edited') throw new Error(`expected an edited delivery, got ${payload.action}`);
    expect(payload.changes.body?.from).toEqual(expect.any(String));
    expect(payload.installation).toEqual({ id: 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' });
  });

  it('can make the author a bot, and leave the comment on a plain issue', () => {
    const { payload } = issueCommentEvent({
      body: '/train',
      author: { login: 'trainbot[bot]', type: 'Bot' },
      onPullRequest: false,
    });
    expect([payload.comment.user.login, payload.comment.user.type, payload.sender.login]).toEqual([
      'trainbot[bot]',
      'Bot',
      'trainbot[bot]',
    ]);
    expect(payload.issue.pull_request).toBeUndefined();
  });

  it('hands out independent copies', () => {
    const first = issueCommentEvent({ body: 'one' });
    issueCommentEvent({ body: 'two' });
    expect(first.payload.comment.body).toBe('one');
  });
});

describe('pullRequestClosedEvent', () => {
  it('keeps the real closed payload unmerged', () => {
    const { payload } = pullRequestClosedEvent({ merged: false });
    expect(payload).toEqual(webhookExample('pull_request', 'closed'));
    expect(payload.pull_request.merged).toBe(false);
  });

  it('turns it into a merge: flag, time and merger set, merge commit from the example', () => {
    const { payload } = pullRequestClosedEvent({ merged: true });
    expect(payload.pull_request).toMatchObject({
      merged: true,
      merged_at: payload.pull_request.closed_at,
      merged_by: payload.sender,
      merge_commit_sha: webhookExample('pull_request', 'closed').pull_request.merge_commit_sha,
    });
    expect(payload.pull_request.merged_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
  });
});
