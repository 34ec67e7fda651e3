import { describe, expect, it, jest } from '@jest/globals';
import { authorize, isBot, type AuthorizeInput } from '../../../src/auth/authorize.js';
import type { RepoPermission } from '../../../src/auth/permission-level.js';
import { GitHubError } from '../../../src/github/github-port.js';

const sameRepo = { isFork: false, headRepoFullName: 'Codertocat/Hello-World' };
const defaults = { permission: 'write', forks: 'refuse' } as const;

function input(permission: RepoPermission | Error, overrides: Partial<AuthorizeInput> = {}) {
  const lookup = jest.fn(async (_user: string): Promise<RepoPermission> => {
    if (permission instanceof Error) throw permission;
    return permission;
  });
  return {
    lookup,
    args: { github: { permission: lookup }, commenter: 'alice', pr: sameRepo, config: defaults, ...overrides },
  };
}

describe('authorize', () => {
  it.each(['write', 'maintain', 'admin'] as const)(
    'allows a commenter with %s when write is required',
    async (level) => {
      const { args, lookup } = input(level);
      await expect(authorize(args)).resolves.toEqual({ allowed: true });
      expect(lookup).toHaveBeenCalledWith('alice');
    },
  );

  it('refuses read below write, naming both levels', async () => {
    const { args } = input('read');
    await expect(authorize(args)).resolves.toEqual({
      allowed: false,
      reason:
        '@alice has `read` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    });
  });

  it('refuses triage when the config asks for maintain', async () => {
    const { args } = input('triage', { config: { permission: 'maintain', forks: 'refuse' } });
    await expect(authorize(args)).resolves.toEqual({
      allowed: false,
      reason:
        '@alice has `triage` permission on this repository, but trainbot commands need at least `maintain`; ask a maintainer to run it or to raise your permission.',
    });
  });

  it('refuses a user with no access even when read is enough', async () => {
    const { args } = input('none', { config: { permission: 'read', forks: 'refuse' } });
    await expect(authorize(args)).resolves.toEqual({
      allowed: false,
      reason:
        '@alice has no access to this repository, but trainbot commands need at least `read`; ask a maintainer to run it or to raise your permission.',
    });
  });

  it.each([
    ['a Bot account', 'renovate', 'Bot', true],
    ['a [bot] login typed as User', 'trainbot[bot]', 'User', true],
    ['a person', 'alice', 'User', false],
  ])('isBot tells %s', (_case, login, type, bot) => {
    expect(isBot(login, type)).toBe(bot);
  });

  it('refuses a fork pull request by default, even from an admin', async () => {
    const { args, lookup } = input('admin', { pr: { isFork: true, headRepoFullName: 'mallory/Hello-World' } });
    await expect(authorize(args)).resolves.toEqual({
      allowed: false,
      reason:
        "This pull request comes from the fork mallory/Hello-World, and trainbot does not run fork code next to the cluster's " +
        'credentials; push the branch to this repository, or set `forks: allow` in .github/trainbot.yml to accept the risk.',
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('says so when the fork was deleted', async () => {
    const { args } = input('admin', { pr: { isFork: true, headRepoFullName: null } });
    const result = await authorize(args);
    expect(
      result.allowed === false && result.reason.startsWith('This pull request comes from a fork that was deleted, and'),
    ).toBe(true);
  });

  it('allows a fork when the config says forks: allow, still checking permission', async () => {
    const fork = { isFork: true, headRepoFullName: 'mallory/Hello-World' };
    await expect(
      authorize(input('write', { pr: fork, config: { permission: 'write', forks: 'allow' } }).args),
    ).resolves.toEqual({ allowed: true });
    const refused = await authorize(input('read', { pr: fork, config: { permission: 'write', forks: 'allow' } }).args);
    expect(refused).toMatchObject({ allowed: false });
  });

  it.each([
    ['HTTP 404', new GitHubError('x', 404), 'GitHub answered HTTP 404'],
    ['HTTP 502', new GitHubError('x', 502), 'GitHub answered HTTP 502'],
    ['a network failure', new GitHubError('x'), 'GitHub could not be reached'],
    ['any other error', new TypeError('boom'), 'an unexpected error'],
  ])('fails closed on %s, saying why', async (_case, error, why) => {
    const { args } = input(error);
    await expect(authorize(args)).resolves.toEqual({
      allowed: false,
      reason: `@alice's permission on this repository could not be checked (${why}), so nothing was started; try the command again later.`,
    });
  });
});
