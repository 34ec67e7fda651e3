// The gate before the self-hosted runner decides as the bot does, over the real GitHub adapter: GitHub is
// nock (checked against its REST description), the events are GitHub's example payloads.
import { describe, expect, it } from '@jest/globals';
import { authorizeEvent } from '../src/authorize-event.js';
import { OctokitGitHub } from '../../../src/github/octokit-github.js';
import { commentEvent } from '../../../src/index.js';
import { onTrainComment } from '../../../src/pipeline/on-train-comment.js';
import { mockGitHub, REPO, useGitHubApi } from '../../../test/support/github-api.js';
import { checkRunRerequestedEvent, issueCommentEvent, pushEvent } from '../../../test/support/github-events.js';
import { testOctokit } from '../../../test/support/github-probot.js';
import {
  COMMENT_ID,
  HEAD_SHA,
  expectAnswer,
  mockPrelude,
  testConfigText,
} from '../../../test/support/train-comment-mocks.js';

useGitHubApi();

const CONFIG = testConfigText('gate', 'http://mlflow.test:5000');

function decide(name: string, payload: unknown) {
  const octokit = testOctokit();
  return authorizeEvent(name, payload, { github: new OctokitGitHub(octokit, REPO), repos: octokit.rest.repos });
}

const comment = (body: string, options: Omit<Parameters<typeof issueCommentEvent>[0], 'body'> = {}) =>
  issueCommentEvent({ body, ...options }).payload;

describe('authorizeEvent on a comment', () => {
  it("lets a writer's /train through, keyed by the pull request, and answers nothing", async () => {
    mockPrelude(CONFIG, { permission: 'write' });
    await expect(decide('issue_comment', comment('/train alpha=0.5'))).resolves.toEqual({
      allowed: true,
      pr: 1,
      reason: '@Codertocat may run trainbot commands on #1.',
    });
  });

  it('lets a usage mistake through: only the bot, once authorized, answers it', async () => {
    mockPrelude(CONFIG, { permission: 'admin' });
    await expect(decide('issue_comment', comment('/train alpha=lots'))).resolves.toMatchObject({
      allowed: true,
      pr: 1,
    });
  });

  it("refuses a reader with the bot's own sentence", async () => {
    mockPrelude(CONFIG, { permission: 'read' });
    await expect(decide('issue_comment', comment('/train'))).resolves.toEqual({
      allowed: false,
      pr: 1,
      answer:
        '@Codertocat has `read` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
      reason:
        '@Codertocat has `read` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    });
  });

  it("refuses a fork's pull request before asking for the commenter's permission", async () => {
    mockPrelude(CONFIG, { forkOf: 'mallory/Hello-World' });
    const decision = await decide('issue_comment', comment('/train'));
    expect(decision).toMatchObject({ allowed: false, pr: 1 });
    expect(decision.answer).toBe(
      "This pull request comes from the fork mallory/Hello-World, and trainbot does not run fork code next to the cluster's " +
        'credentials; push the branch to this repository, or set `forks: allow` in .github/trainbot.yml to accept the risk.',
    );
  });

  it('fails closed when GitHub cannot tell the permission', async () => {
    mockPrelude(CONFIG, { permissionStatus: 500 });
    await expect(decide('issue_comment', comment('/train'))).resolves.toMatchObject({
      allowed: false,
      answer:
        "@Codertocat's permission on this repository could not be checked (GitHub answered HTTP 500), so nothing was started; try the command again later.",
    });
  });

  it('answers with the config problem when the base branch is not set up', async () => {
    mockGitHub('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', { params: { pull_number: 1 } }).replyWithExample(
      200,
      (pr: { number: number; base: { ref: string } }) => {
        pr.number = 1;
        pr.base.ref = 'main';
      },
    );
    mockGitHub('GET', '/repos/{owner}/{repo}/contents/{path}', {
      params: { path: '.github/trainbot.yml' },
      query: { ref: 'main' },
    }).reply(404, { message: 'Not Found' });
    await expect(decide('issue_comment', comment('/train'))).resolves.toMatchObject({
      allowed: false,
      pr: 1,
      answer:
        'trainbot is not set up for `main`: add `.github/trainbot.yml` there (see trainbot\'s README, "Configuration").',
    });
  });

  it('fails with the bot\'s "Nothing was started" sentence when the pull request cannot be read', async () => {
    mockGitHub('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', { params: { pull_number: 1 } }).reply(502, {
      message: 'Bad Gateway',
    });
    const decision = await decide('issue_comment', comment('/train'));
    expect(decision).toMatchObject({ allowed: false, failed: true, pr: 1 });
    // escaped as the bot escapes it: a word joiner keeps `#1` from becoming a link
    expect(decision.answer).toBe(
      'Nothing was started: trainbot could not read pull request #\u20601 (GitHub answered HTTP 502).',
    );
  });

  it.each([
    ['a quoted command', comment('> /train alpha=0.5')],
    ['a command in a code block', comment('```\n/train\n```')],
    ['a comment that only mentions it', comment('see `/train` in the README')],
    ['an edited comment', comment('/train', { action: 'edited' })],
    ['a comment on a plain issue', comment('/train', { onPullRequest: false })],
    ["a bot's comment", comment('/train', { author: { login: 'trainbot[bot]', type: 'Bot' } })],
  ])('refuses %s silently, without asking GitHub anything', async (_, payload) => {
    const decision = await decide('issue_comment', payload);
    expect(decision.allowed).toBe(false);
    expect(decision.answer).toBeUndefined();
    expect(decision.failed).toBeUndefined();
  });
});

describe('the gate and the bot refuse in the same words', () => {
  const quiet = { info: () => {}, error: () => {} };
  it.each([
    ['a reader', { permission: 'read' }],
    ["a fork's pull request", { forkOf: 'mallory/Hello-World' }],
    ['a permission GitHub cannot tell', { permissionStatus: 500 }],
  ])('for %s', async (_, options) => {
    const payload = comment('/train alpha=0.5');
    // The bot, as it runs on the self-hosted runner: it refuses before it needs MLflow or a runner.
    mockPrelude(CONFIG, options);
    const posted = expectAnswer();
    await onTrainComment(commentEvent(payload as Parameters<typeof commentEvent>[0]), {
      github: new OctokitGitHub(testOctokit(), REPO),
      tracking: {} as never,
      log: quiet,
      runnerFor: () => {
        throw new Error('a refused command must not reach the runner');
      },
    });
    const botSaid = await posted;
    mockPrelude(CONFIG, options);
    await expect(decide('issue_comment', payload)).resolves.toMatchObject({ allowed: false, answer: botSaid });
  });
});

describe('authorizeEvent on a re-run of the check', () => {
  const rerun = (login: string, options: { name?: string; externalId?: string } = {}) =>
    checkRunRerequestedEvent({
      externalId: options.externalId ?? `train:1:${COMMENT_ID}`,
      headSha: HEAD_SHA,
      name: options.name,
      sender: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
    }).payload;

  it('lets a writer who pressed "Re-run" through, keyed by the check\'s pull request', async () => {
    mockPrelude(CONFIG, { permission: 'write' });
    await expect(decide('check_run', rerun('Codertocat'))).resolves.toEqual({
      allowed: true,
      pr: 1,
      reason: "@Codertocat may re-run trainbot's check on #1.",
    });
  });

  it("refuses a reader who pressed it with the bot's own sentence", async () => {
    mockPrelude(CONFIG, { permission: 'read', asking: 'octocat' });
    await expect(decide('check_run', rerun('octocat'))).resolves.toMatchObject({
      allowed: false,
      pr: 1,
      answer:
        '@octocat has `read` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    });
  });

  it.each([
    ["another app's check run", rerun('Codertocat', { name: 'build' })],
    ["a check run without trainbot's external_id", rerun('Codertocat', { externalId: '' })],
    ['a re-run by a bot', rerun('renovate[bot]')],
  ])('refuses %s silently, without asking GitHub anything', async (_, payload) => {
    const decision = await decide('check_run', payload);
    expect(decision).toMatchObject({ allowed: false });
    expect(decision.answer).toBeUndefined();
  });
});

describe('authorizeEvent on a push', () => {
  const push = pushEvent().payload;
  const COMMIT_PULLS = '/repos/{owner}/{repo}/commits/{commit_sha}/pulls';
  type Pulls = Array<{
    number: number;
    merged_at: string | null;
    merge_commit_sha: string | null;
    base: { ref: string };
  }>;

  it('lets the merge of a pull request through, keyed by that pull request', async () => {
    mockGitHub('GET', COMMIT_PULLS, { params: { commit_sha: push.after }, query: { per_page: 100 } }).replyWithExample(
      200,
      (pulls: Pulls) => [
        {
          ...pulls[0]!,
          number: 42,
          merged_at: '2026-11-29T20:00:00Z',
          merge_commit_sha: push.after,
          base: { ...pulls[0]!.base, ref: 'master' },
        },
      ],
    );
    await expect(decide('push', push)).resolves.toEqual({
      allowed: true,
      pr: 42,
      reason: `${push.after} merged #42 into master.`,
    });
  });

  it('refuses a direct push silently', async () => {
    mockGitHub('GET', COMMIT_PULLS, { params: { commit_sha: push.after }, query: { per_page: 100 } }).reply(200, []);
    await expect(decide('push', push)).resolves.toEqual({
      allowed: false,
      reason: `The push of ${push.after} to refs/heads/master merged no pull request.`,
    });
  });
});

describe('authorizeEvent on a sweep dispatch', () => {
  const dispatch = (login: string) => ({
    repository: { full_name: 'Codertocat/Hello-World', default_branch: 'main' },
    sender: { login, type: 'User' },
  });
  const mockConfig = () =>
    mockGitHub('GET', '/repos/{owner}/{repo}/contents/{path}', {
      params: { path: '.github/trainbot.yml' },
      query: { ref: 'main' },
    }).replyWithExample(200, (file: { type: string; encoding: string; content: string }) => {
      Object.assign(file, { type: 'file', encoding: 'base64', content: Buffer.from(CONFIG).toString('base64') });
    });
  const mockPermission = (login: string, level: string) =>
    mockGitHub('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', {
      params: { username: login },
    }).replyWithExample(200, (p: { permission: string; role_name: string }) => {
      p.permission = level;
      p.role_name = level;
    });

  it("lets a writer sweep, by the default branch's config", async () => {
    mockConfig();
    mockPermission('octocat', 'write');
    await expect(decide('workflow_dispatch', dispatch('octocat'))).resolves.toEqual({
      allowed: true,
      reason: '@octocat may run trainbot sweeps.',
    });
  });

  it("fails a triager's sweep with the sentence a comment would get", async () => {
    mockConfig();
    mockPermission('octocat', 'triage');
    await expect(decide('workflow_dispatch', dispatch('octocat'))).resolves.toMatchObject({
      allowed: false,
      failed: true,
      answer:
        '@octocat has `triage` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    });
  });
});

it('refuses any other event', async () => {
  await expect(decide('pull_request', {})).resolves.toEqual({
    allowed: false,
    reason: 'trainbot does not act on pull_request events.',
  });
});
