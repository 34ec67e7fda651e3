// A merge seen as its push to the default branch becomes the delivery the app's merge handler reads.
import { describe, expect, it } from '@jest/globals';
import {
  closedPayloadOf,
  mergedPullRequest,
  type MergedPullRequest,
  type PushPayload,
} from '../../../src/github/merge-from-push.js';
import { closedEvent } from '../../../src/index.js';
import { pushEvent } from '../../support/github-events.js';

const push = pushEvent().payload as unknown as PushPayload;
const pr: MergedPullRequest = {
  number: 7,
  merged: true,
  merged_at: '2026-11-29T20:00:00Z',
  merge_commit_sha: push.after,
  state: 'closed',
  base: { ref: 'master' },
  head: { ref: 'tune-alpha', sha: 'a'.repeat(40) },
};

describe('closedPayloadOf', () => {
  it("reads, through the app's own mapping, as the merge of that pull request into the default branch", () => {
    const payload = closedPayloadOf(push, pr);
    expect(closedEvent(payload as unknown as Parameters<typeof closedEvent>[0])).toEqual({
      repo: 'Codertocat/Hello-World',
      number: 7,
      merged: true,
      mergeCommitSha: push.after,
      baseRef: 'master',
      installationId: pushEvent().payload.installation?.id, // a reconciler reaches the repository through it
    });
    expect(payload).toMatchObject({ action: 'closed', sender: push.sender, installation: push.installation });
  });
});

describe('mergedPullRequest', () => {
  const never = {
    listPullRequestsAssociatedWithCommit: () => {
      throw new Error('GitHub must not be asked');
    },
  };

  it.each([
    ['a branch deleted (after is all zeros)', { ...push, after: '0'.repeat(40) }],
    [
      'a repository without a default branch in the payload',
      { ...push, repository: { ...push.repository, default_branch: undefined } },
    ],
    ['a tag', { ...push, ref: 'refs/tags/v1' }],
  ])('asks GitHub nothing for %s', async (_, payload) => {
    await expect(mergedPullRequest(never as never, payload as never)).resolves.toBeUndefined();
  });
});
