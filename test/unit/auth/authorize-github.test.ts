// authorize over the real adapter: whatever way the permission lookup fails at GitHub, nobody is let in.
import { describe, expect, it } from '@jest/globals';
import { authorize } from '../../../src/auth/authorize.js';
import { OctokitGitHub } from '../../../src/github/octokit-github.js';
import { mockGitHub, REPO, useGitHubApi, type ResponseData, type Rest } from '../../support/github-api.js';
import { testOctokit } from '../../support/github-probot.js';

useGitHubApi();

const PERMISSION = '/repos/{owner}/{repo}/collaborators/{username}/permission';
type Permission = ResponseData<Rest['repos']['getCollaboratorPermissionLevel']>;

function authorizeAlice() {
  return authorize({
    github: new OctokitGitHub(testOctokit(), REPO),
    commenter: 'alice',

    pr: { isFork: false, headRepoFullName: 'Codertocat/Hello-World' },
    config: { permission: 'write', forks: 'refuse' },
  });
}

describe('authorize with the GitHub adapter', () => {
  it('allows a maintainer, read from role_name', async () => {
    mockGitHub('GET', PERMISSION, { params: { username: 'alice' } }).replyWithExample(200, (answer: Permission) => ({
      ...answer,
      permission: 'write',
      role_name: 'maintain',
    }));
    await expect(authorizeAlice()).resolves.toEqual({ allowed: true });
  });

  it.each([
    [404, 'GitHub answered HTTP 404'],
    [500, 'GitHub answered HTTP 500'],
  ])('refuses when GitHub answers %i', async (status, why) => {
    mockGitHub('GET', PERMISSION, { params: { username: 'alice' } }).reply(status, { message: 'failed' });
    await expect(authorizeAlice()).resolves.toEqual({
      allowed: false,
      reason: `@alice's permission on this repository could not be checked (${why}), so nothing was started; try the command again later.`,
    });
  });

  it('refuses when the connection fails', async () => {
    mockGitHub('GET', PERMISSION, { params: { username: 'alice' } }).replyWithError('connect ECONNREFUSED');
    await expect(authorizeAlice()).resolves.toEqual({
      allowed: false,
      reason:
        "@alice's permission on this repository could not be checked (GitHub could not be reached), so nothing was started; try the command again later.",
    });
  });

  it('refuses an answer it does not understand as no access', async () => {
    mockGitHub('GET', PERMISSION, { params: { username: 'alice' } }).replyWithExample(200, (answer: Permission) => ({
      ...answer,
      permission: 'owner',
      role_name: 'owner',
    }));
    await expect(authorizeAlice()).resolves.toMatchObject({
      allowed: false,
      reason:
        '@alice has no access to this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    });
  });
});
