// The adapter against nock, every route checked against GitHub's REST description (test/support/github-api.ts).
import { describe, expect, it } from '@jest/globals';
import { OctokitGitHub } from '../../../src/github/octokit-github.js';
import { GitHubError } from '../../../src/github/github-port.js';
import {
  mockGitHub,
  nextPageLink,
  REPO,
  useGitHubApi,
  type ResponseData,
  type Rest,
} from '../../support/github-api.js';
import { testOctokit } from '../../support/github-probot.js';

useGitHubApi();

const BOT = 'trainbot-test[bot]';
const github = (botLogin: string | null = BOT) =>
  new OctokitGitHub(testOctokit(), { ...REPO, ...(botLogin ? { botLogin } : {}) });

const COMMENTS = '/repos/{owner}/{repo}/issues/{issue_number}/comments';

type Comment = ResponseData<Rest['issues']['listComments']>[number];
type Permission = ResponseData<Rest['repos']['getCollaboratorPermissionLevel']>;
type PullRequest = ResponseData<Rest['pulls']['get']>;
type Created = { id: number };

/** GitHub's documented comment example as `login` (`type`) with `body` and `id`. */
function comment(id: number, body: string, login = 'octocat', type = 'User') {
  return (items: Comment[]): Comment => {
    const base = items[0] as Comment;
    return { ...base, id, body, user: base.user && { ...base.user, login, type } };
  };
}
/** A page of the documented comments listing, made of `comments`. */
function page(...comments: Array<(items: Comment[]) => Comment>) {
  return (items: Comment[]) => comments.map((make) => make(items));
}

async function rejection(promise: Promise<unknown>): Promise<GitHubError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GitHubError);
  return error as GitHubError;
}

describe('react', () => {
  it('adds the reaction to the issue comment', async () => {
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      params: { comment_id: 492700400 },
      body: { content: 'rocket' },
    }).replyWithExample(201);
    await github().react(492700400, 'rocket');
  });
});

describe('upsertComment', () => {
  it('updates the living comment it finds on page 2, skipping a human quoting the marker on page 1', async () => {
    const query = { per_page: 100 };
    mockGitHub('GET', COMMENTS, { params: { issue_number: 1 }, query }).replyWithExample<Comment[]>(
      200,
      page(comment(11, 'no marker here'), comment(12, '<!-- trainbot:report -->\ncopied by a person')),
      nextPageLink(COMMENTS, { issue_number: 1 }, { ...query, page: 2 }),
    );
    mockGitHub('GET', COMMENTS, { params: { issue_number: 1 }, query: { ...query, page: 2 } }).replyWithExample<
      Comment[]
    >(
      200,
      page(
        comment(21, '<!-- trainbot:other -->\nanother key', BOT, 'Bot'),
        comment(22, '<!-- trainbot:report -->\nold', BOT, 'Bot'),
      ),
    );
    mockGitHub('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', {
      params: { comment_id: 22 },
      body: { body: '<!-- trainbot:report -->\nnew table' },
    }).replyWithExample(200);

    await expect(github().upsertComment(1, 'report', 'new table')).resolves.toBe(22);
  });

  it('stops reading pages once it finds the comment', async () => {
    const query = { per_page: 100 };
    // Page 1 links to a page 2 that is not mocked: requesting it would fail the test.
    mockGitHub('GET', COMMENTS, { params: { issue_number: 1 }, query }).replyWithExample<Comment[]>(
      200,
      page(comment(12, '<!-- trainbot:report -->\nold', BOT, 'Bot')),
      nextPageLink(COMMENTS, { issue_number: 1 }, { ...query, page: 2 }),
    );
    mockGitHub('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', {
      params: { comment_id: 12 },
      body: { body: '<!-- trainbot:report -->\nnew' },
    }).replyWithExample(200);

    await expect(github().upsertComment(1, 'report', 'new')).resolves.toBe(12);
  });

  it('creates the comment with the marker when no page has it, and returns the new id', async () => {
    mockGitHub('GET', COMMENTS, { params: { issue_number: 1 }, query: { per_page: 100 } }).replyWithExample<Comment[]>(
      200,
      page(comment(11, 'hello')),
    );
    mockGitHub('POST', COMMENTS, {
      params: { issue_number: 1 },
      body: { body: '<!-- trainbot:report -->\nfirst table' },
    }).replyWithExample(201, (created: Created) => ({ ...created, id: 4242 }));

    await expect(github().upsertComment(1, 'report', 'first table')).resolves.toBe(4242);
  });

  it('without a known login, takes any bot comment with the marker but never a user one', async () => {
    mockGitHub('GET', COMMENTS, { params: { issue_number: 1 }, query: { per_page: 100 } }).replyWithExample<Comment[]>(
      200,
      page(
        comment(11, '<!-- trainbot:report -->\nby a user'),
        comment(12, '<!-- trainbot:report -->\nby the bot', 'github-actions[bot]', 'Bot'),
      ),
    );
    mockGitHub('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', {
      params: { comment_id: 12 },
      body: { body: '<!-- trainbot:report -->\nupdated' },
    }).replyWithExample(200);

    await expect(github(null).upsertComment(1, 'report', 'updated')).resolves.toBe(12);
  });

  it('reports a failing comment listing as a GitHubError naming the issue', async () => {
    mockGitHub('GET', COMMENTS, { params: { issue_number: 1 }, query: { per_page: 100 } }).reply(502, {
      message: 'Bad Gateway',
    });
    const error = await rejection(github().upsertComment(1, 'report', 'x'));
    expect(error.message).toBe('trainbot could not list the comments of #1 (GitHub answered HTTP 502).');
    expect(error.status).toBe(502);
  });
});

describe('createComment', () => {
  it('cuts a body over 65,536 characters, keeping a visible truncation line', async () => {
    const body = 'b'.repeat(70_000);
    const notice = '\n\n…truncated (4502 characters omitted)';
    const expected = 'b'.repeat(65_536 - notice.length) + notice;
    expect(expected).toHaveLength(65_536);
    mockGitHub('POST', COMMENTS, { params: { issue_number: 1 }, body: { body: expected } }).replyWithExample(
      201,
      (created: Created) => ({ ...created, id: 7 }),
    );

    await expect(github().createComment(1, body)).resolves.toBe(7);
  });
});

describe('reading a comment', () => {
  it('gives its body, author and both times', async () => {
    mockGitHub('GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}', {
      params: { comment_id: 492700400 },
    }).replyWithExample(200, (c: { id: number; body: string; created_at: string; updated_at: string }) => {
      Object.assign(c, {
        id: 492700400,
        body: '/train alpha=0.5',
        created_at: '2026-01-01T12:00:00Z',
        updated_at: '2026-01-01T12:00:00Z',
      });
    });
    await expect(github().comment(492700400)).resolves.toEqual({
      id: 492700400,
      body: '/train alpha=0.5',
      author: { login: 'octocat', type: 'User' },
      createdAt: '2026-01-01T12:00:00Z',
      updatedAt: '2026-01-01T12:00:00Z',
    });
  });

  it('fails with the status when the comment is gone', async () => {
    mockGitHub('GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}', { params: { comment_id: 1 } }).reply(404, {
      message: 'Not Found',
    });
    await expect(github().comment(1)).rejects.toMatchObject({
      name: 'GitHubError',
      status: 404,
      message: 'trainbot could not read comment 1 (GitHub answered HTTP 404).',
    });
  });
});

describe('check runs', () => {
  it('creates a check run with the head sha and its external_id, and returns its id', async () => {
    mockGitHub('POST', '/repos/{owner}/{repo}/check-runs', {
      body: {
        name: 'trainbot',
        head_sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        external_id: 'train:1:492700400',
        status: 'in_progress',
        output: { title: 'Training 2 runs', summary: 'Started by @Codertocat.' },
      },
    }).replyWithExample(201, (run: Created) => ({ ...run, id: 99 }));

    const id = await github().createCheck({
      name: 'trainbot',
      headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      externalId: 'train:1:492700400',
      status: 'in_progress',
      output: { title: 'Training 2 runs', summary: 'Started by @Codertocat.' },
    });
    expect(id).toBe(99);
  });

  it('sends only the fields given, with summary and text cut to 65,535 characters', async () => {
    const notice = '\n\n…truncated (34504 characters omitted)';
    mockGitHub('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', {
      params: { check_run_id: 99 },
      body: {
        conclusion: 'failure',
        output: { title: 'rmse got worse', summary: 's'.repeat(65_535 - notice.length) + notice, text: 'details' },
      },
    }).replyWithExample(200);

    await github().updateCheck(99, {
      conclusion: 'failure',
      output: { title: 'rmse got worse', summary: 's'.repeat(100_000), text: 'details' },
    });
  });

  it("finds a check run on a commit by its external_id (the reconciler's way back to one whose id was lost)", async () => {
    type CheckRuns = ResponseData<Rest['checks']['listForRef']>;
    const sha = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
    const listed = () =>
      mockGitHub('GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs', {
        params: { ref: sha },
        query: { check_name: 'trainbot', per_page: '100' },
      }).replyWithExample(200, (data: CheckRuns) => {
        const run = data.check_runs[0] as CheckRuns['check_runs'][number];
        return {
          total_count: 2,
          check_runs: [
            { ...run, id: 7, external_id: 'train:1:111' },
            { ...run, id: 8, external_id: 'train:1:222' },
          ],
        };
      });
    listed();
    expect(await github().findCheck(sha, 'trainbot', 'train:1:222')).toBe(8);
    listed();
    expect(await github().findCheck(sha, 'trainbot', 'train:1:333')).toBeUndefined();
  });

  it('links the check to the MLflow run as details_url', async () => {
    const url = 'https://mlflow.example.com/#/experiments/1/runs/abc';
    mockGitHub('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', {
      params: { check_run_id: 99 },
      body: { conclusion: 'success', details_url: url },
    }).replyWithExample(200);

    await github().updateCheck(99, { conclusion: 'success', detailsUrl: url });
  });
});

describe('permission', () => {
  it.each([
    ['admin', 'admin', 'admin'],
    ['write', 'maintain', 'maintain'],
    ['read', 'triage', 'triage'],
    ['write', 'ml-reviewer', 'write'],
    ['none', 'none', 'none'],
  ])('permission %s with role_name %s is %s', async (permission, roleName, expected) => {
    mockGitHub('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', {
      params: { username: 'alice' },
    }).replyWithExample(200, (answer: Permission) => ({ ...answer, permission, role_name: roleName }));
    await expect(github().permission('alice')).resolves.toBe(expected);
  });

  it.each([
    [404, "trainbot could not look up alice's permission (GitHub answered HTTP 404)."],
    [500, "trainbot could not look up alice's permission (GitHub answered HTTP 500)."],
  ])('throws a GitHubError on HTTP %i', async (status, message) => {
    mockGitHub('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', {
      params: { username: 'alice' },
    }).reply(status, { message: 'failed' });
    const error = await rejection(github().permission('alice'));
    expect(error.message).toBe(message);
    expect(error.status).toBe(status);
  });

  it('throws a GitHubError without a status when the connection fails', async () => {
    mockGitHub('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', {
      params: { username: 'alice' },
    }).replyWithError('socket hang up');
    const error = await rejection(github().permission('alice'));
    expect(error.message).toBe("trainbot could not look up alice's permission (the request did not reach GitHub).");
    expect(error.status).toBeUndefined();
  });
});

describe('pullRequest', () => {
  it('maps the pull request, same-repository head', async () => {
    let expected: unknown;
    mockGitHub('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', { params: { pull_number: 1347 } }).replyWithExample(
      200,
      (pr: PullRequest) => {
        pr.head.repo = { ...pr.base.repo };
        expected = {
          number: pr.number,
          headSha: pr.head.sha,
          headRef: pr.head.ref,
          baseRef: pr.base.ref,
          headRepoFullName: pr.base.repo.full_name,
          isFork: false,
          state: pr.state,
          merged: pr.merged,
        };
      },
    );
    await expect(github().pullRequest(1347)).resolves.toEqual(expected);
  });

  it('marks a head in another repository as a fork', async () => {
    mockGitHub('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', { params: { pull_number: 1347 } }).replyWithExample(
      200,
      (pr: PullRequest) => {
        pr.head.repo = { ...pr.base.repo, full_name: 'mallory/Hello-World' };
      },
    );
    const pr = await github().pullRequest(1347);
    expect([pr.isFork, pr.headRepoFullName]).toEqual([true, 'mallory/Hello-World']);
  });

  it('treats a deleted head repository as a fork', async () => {
    mockGitHub('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', { params: { pull_number: 1347 } }).replyWithExample(
      200,
      (pr: PullRequest) => {
        // GitHub sends null once the fork is deleted, though Octokit's type does not allow it.
        (pr.head as { repo: unknown }).repo = null;
      },
    );
    const pr = await github().pullRequest(1347);
    expect([pr.isFork, pr.headRepoFullName]).toEqual([true, null]);
  });
});

describe('readConfig', () => {
  const CONTENTS = '/repos/{owner}/{repo}/contents/{path}';
  const params = { path: '.github/trainbot.yml' };

  it('decodes the base64 file at the ref', async () => {
    const yaml = 'experiment: wine-quality\nimage: ghcr.io/acme/train\n';
    mockGitHub('GET', CONTENTS, { params, query: { ref: 'abc123' } }).replyWithExample(
      200,
      (file: { type: string }) => ({
        ...file,
        type: 'file',
        encoding: 'base64',
        path: params.path,
        content: Buffer.from(yaml)
          .toString('base64')
          .replace(/(.{60})/g, '$1\n'),
      }),
    );
    await expect(github().readConfig('abc123')).resolves.toBe(yaml);
  });

  it('answers undefined when the file does not exist at the ref', async () => {
    mockGitHub('GET', CONTENTS, { params, query: { ref: 'abc123' } }).reply(404, { message: 'Not Found' });
    await expect(github().readConfig('abc123')).resolves.toBeUndefined();
  });

  it('refuses a directory in place of the file', async () => {
    mockGitHub('GET', CONTENTS, { params, query: { ref: 'abc123' } }).reply(200, []);
    const error = await rejection(github().readConfig('abc123'));
    expect(error.message).toBe('.github/trainbot.yml at abc123 is not a regular file; make it a YAML file.');
  });

  it('reports other failures with the status', async () => {
    mockGitHub('GET', CONTENTS, { params, query: { ref: 'abc123' } }).reply(403, {
      message: 'Resource not accessible by integration',
    });
    const error = await rejection(github().readConfig('abc123'));
    expect(error.message).toBe('trainbot could not read .github/trainbot.yml at abc123 (GitHub answered HTTP 403).');
  });
});

type Activity = ResponseData<Rest['repos']['listActivities']>[number];

describe('branchPushes', () => {
  const ACTIVITY = '/repos/{owner}/{repo}/activity';

  it("lists one page of the branch's activity in the head repository, newest first, as commit and GitHub time", async () => {
    mockGitHub('GET', ACTIVITY, {
      params: { owner: 'a-fork', repo: 'Hello-World' },
      query: { ref: 'refs/heads/tune-alpha', direction: 'desc', per_page: 100 },
    }).replyWithExample(200, (items: Activity[]) => {
      // GitHub's example predates the `timestamp` and `activity_type` fields its own schema requires.
      const base = items[0] as Activity;
      return [
        { ...base, after: 'b'.repeat(40), timestamp: '2026-01-01T12:00:05Z', activity_type: 'force_push' as const },
        { ...base, after: 'a'.repeat(40), timestamp: '2026-01-01T11:00:00Z', activity_type: 'push' as const },
      ];
    });
    expect(await github().branchPushes('a-fork/Hello-World', 'tune-alpha')).toEqual([
      { after: 'b'.repeat(40), at: '2026-01-01T12:00:05Z', type: 'force_push' },
      { after: 'a'.repeat(40), at: '2026-01-01T11:00:00Z', type: 'push' },
    ]);
  });

  it('reports a refusal as a GitHubError naming the branch and repository', async () => {
    mockGitHub('GET', ACTIVITY, { query: { ref: 'refs/heads/x', direction: 'desc', per_page: 100 } }).reply(403, {
      message: 'Resource not accessible by integration',
    });
    const error = await rejection(github().branchPushes('Codertocat/Hello-World', 'x'));
    expect(error.message).toBe(
      'trainbot could not list the pushes to x of Codertocat/Hello-World (GitHub answered HTTP 403).',
    );
  });
});
