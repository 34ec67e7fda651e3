// GitHub failing for a moment on the calls that keep a request's state (the living comment, the check run): 502 and
// a secondary rate limit (403 + retry-after) are retried within GITHUB_RETRY's bounds by the Octokit the bot
// deploys, the final state is still right, and a lasting failure gives up with the usual sentence. One "second"
// of waiting is 5 ms here (retryBaseMs); the bounds are the shipped ones. GitHub is nock, checked against its
// REST description, and Probot's write pacing stays on as deployed.
import { describe, expect, it } from '@jest/globals';
import { Probot } from 'probot';
import { OctokitGitHub } from '../../../src/github/octokit-github.js';
import { GITHUB_RETRY, githubOptionsFromEnv, trainbotOctokit } from '../../../src/github/trainbot-octokit.js';
import { createApp } from '../../../src/index.js';
import { REPO, mockGitHub, useGitHubApi } from '../../support/github-api.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { exampleResponse } from '../../support/github-openapi.js';
import { TEST_TOKEN } from '../../support/github-probot.js';
import {
  COMMENT_ID,
  HEAD_SHA,
  mockHeadPushes,
  mockPrelude,
  testConfigText,
} from '../../support/train-comment-mocks.js';
import { MemoryTracking, ScriptedRunner } from '../pipeline/memory-ports.js';

useGitHubApi();

const quiet = (): void => {};
const warnings: string[] = [];
const log = { debug: quiet, info: quiet, warn: (m: string) => void warnings.push(m), error: quiet };
const RetryingOctokit = trainbotOctokit({ retryBaseMs: 5 });
const github = () => new OctokitGitHub(new RetryingOctokit({ auth: { token: TEST_TOKEN }, log }), REPO);

const CHECK = '/repos/{owner}/{repo}/check-runs/{check_run_id}';
const COMMENT = '/repos/{owner}/{repo}/issues/comments/{comment_id}';
const SECONDARY = {
  message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
};
const done = { conclusion: 'success' as const, output: { title: '1 of 1 run finished', summary: 'all good' } };

/** Counts the requests that reached the mocked route. */
function counted(
  route: ReturnType<typeof mockGitHub>,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
  times = 1,
) {
  let n = 0;
  const scope = route.times(times).reply(
    status,
    () => {
      n += 1;
      return body;
    },
    headers,
  );
  return { scope, count: () => n };
}

describe('the shipped bounds', () => {
  it('are 4 attempts after a 5xx and 3 after a rate limit, waiting at most 60 s for one, 10 requests at once', () => {
    expect(GITHUB_RETRY).toEqual({
      retries: 3,
      rateLimitRetries: 2,
      maxRetryAfterSeconds: 60,
      retryBaseMs: 1000,
      maxConcurrent: 10,
    });
    expect(githubOptionsFromEnv({})).toEqual({ maxConcurrent: 10 });
    expect(githubOptionsFromEnv({ TRAINBOT_GITHUB_CONCURRENCY: '4' })).toEqual({ maxConcurrent: 4 });
  });
});

describe('requests in flight', () => {
  it('stay at maxConcurrent over every Octokit of the class; the rest queue and all land', async () => {
    const Capped = trainbotOctokit({ retryBaseMs: 5, maxConcurrent: 3 });
    let inFlight = 0;
    let peak = 0;
    const pr = { ...(exampleResponse('GET', '/repos/{owner}/{repo}/pulls/{pull_number}') as object), number: 1 };
    // GitHub takes 40 ms to answer; the reply counts who is waiting for it.
    mockGitHub('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', { params: { pull_number: 1 } })
      .times(12)
      .reply(200, async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 40));
        inFlight -= 1;
        return pr;
      });
    // one Octokit per delivery, as Probot makes them
    const clients = Array.from(
      { length: 12 },
      () => new OctokitGitHub(new Capped({ auth: { token: TEST_TOKEN }, log }), REPO),
    );
    await expect(Promise.all(clients.map((c) => c.pullRequest(1)))).resolves.toHaveLength(12);
    expect(peak).toBe(3);
  });
});

describe('a check run update', () => {
  it('is tried again after a 502 and lands', async () => {
    const failing = counted(mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 }, body: done }), 502, {
      message: 'Server Error',
    });
    const ok = counted(mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 }, body: done }), 200, { id: 77 });
    await github().updateCheck(77, done);
    expect([failing.count(), ok.count()]).toEqual([1, 1]);
  });

  it('waits out a secondary rate limit as retry-after asks, then lands', async () => {
    const limited = counted(mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 }, body: done }), 403, SECONDARY, {
      'retry-after': '3',
    });
    const ok = counted(mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 }, body: done }), 200, { id: 77 });
    const started = performance.now();
    await github().updateCheck(77, done);
    expect([limited.count(), ok.count()]).toEqual([1, 1]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 5);
    expect(warnings.at(-1)).toMatch(
      /^GitHub's secondary rate limit on PATCH \/repos\/\{owner\}\/\{repo\}\/check-runs\/\{check_run_id\}: retrying in 3 s \(retry 1 of at most 2\)\.$/,
    );
  });

  it('gives up after 4 attempts of a lasting 502, with the usual sentence', async () => {
    const failing = counted(
      mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 }, body: done }),
      502,
      { message: 'Server Error' },
      undefined,
      4,
    );
    await expect(github().updateCheck(77, done)).rejects.toThrow(
      'trainbot could not update check run 77 (GitHub answered HTTP 502).',
    );
    expect(failing.count()).toBe(4);
  });

  it('gives up after 3 attempts of a lasting secondary rate limit', async () => {
    const limited = counted(
      mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 }, body: done }),
      403,
      SECONDARY,
      { 'retry-after': '1' },
      3,
    );
    await expect(github().updateCheck(77, done)).rejects.toThrow(
      'trainbot could not update check run 77 (GitHub answered HTTP 403).',
    );
    expect(limited.count()).toBe(3);
  });

  it('does not wait for a rate limit longer than 60 s', async () => {
    const limited = counted(mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 }, body: done }), 403, SECONDARY, {
      'retry-after': '61',
    });
    await expect(github().updateCheck(77, done)).rejects.toThrow('(GitHub answered HTTP 403).');
    expect(limited.count()).toBe(1);
  });

  it('does not retry a refusal (403 without a rate limit)', async () => {
    const refused = counted(mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 }, body: done }), 403, {
      message: 'Resource not accessible by integration',
    });
    await expect(github().updateCheck(77, done)).rejects.toThrow('(GitHub answered HTTP 403).');
    expect(refused.count()).toBe(1);
  });
});

describe('creating', () => {
  it('does not repeat a new comment after a 502: GitHub may have posted it', async () => {
    const failing = counted(
      mockGitHub('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', { params: { issue_number: 1 } }),
      502,
      { message: 'Server Error' },
    );
    await expect(github().createComment(1, 'hello')).rejects.toThrow(
      'trainbot could not comment on #1 (GitHub answered HTTP 502).',
    );
    expect(failing.count()).toBe(1);
  });
});

describe('a /train whose comment and check updates meet a 502 and a secondary rate limit', () => {
  it('still ends with the final comment and the concluded check run', async () => {
    const tracking = new MemoryTracking();
    const runner = new ScriptedRunner(tracking);
    const probot = new Probot({ githubToken: TEST_TOKEN, Octokit: RetryingOctokit, logLevel: 'fatal' });
    await probot.load(createApp({ tracking: tracking as never, runnerFor: () => runner, commentIntervalMs: 0 }));
    mockPrelude(testConfigText('retries', 'http://mlflow.test:5000'));
    mockHeadPushes();
    const reaction = (content: string) =>
      mockGitHub('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
        params: { comment_id: COMMENT_ID },
        body: { content },
      }).reply(201, {});
    reaction('eyes');
    mockGitHub('POST', '/repos/{owner}/{repo}/check-runs', {
      body: {
        name: 'trainbot',
        head_sha: HEAD_SHA,
        external_id: `train:1:${COMMENT_ID}`,
        status: 'in_progress',
        output: { title: 'Training', summary: 'Requested by @Codertocat for `ec26c3e`.' },
      },
    }).reply(201, { id: 77 });
    // The living comment: created once, then its first update meets a secondary rate limit.
    const posted: string[] = [];
    const bodyOf = async (request: Request) => ((await request.json()) as { body: string }).body;
    mockGitHub('GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', {
      params: { issue_number: 1 },
      query: { per_page: 100 },
    })
      .times(4)
      .reply(200, () =>
        posted.length ? [{ id: 500, body: posted.at(-1), user: { login: 'trainbot[bot]', type: 'Bot' } }] : [],
      );
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', { params: { issue_number: 1 } }).reply(
      201,
      async (request: Request) => {
        posted.push(await bodyOf(request));
        return { id: 500 };
      },
    );
    const limited = counted(mockGitHub('PATCH', COMMENT, { params: { comment_id: 500 } }), 403, SECONDARY, {
      'retry-after': '2',
    });
    mockGitHub('PATCH', COMMENT, { params: { comment_id: 500 } })
      .times(3)
      .reply(200, async (request: Request) => {
        posted.push(await bodyOf(request));
        return { id: 500 };
      });
    reaction('rocket');
    // The check run's conclusion: a 502, then it lands.
    const bad = counted(mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 } }), 502, { message: 'Server Error' });
    let concluded: { conclusion?: string; output?: { title: string; summary: string } } = {};
    mockGitHub('PATCH', CHECK, { params: { check_run_id: 77 } }).reply(200, async (request: Request) => {
      concluded = (await request.json()) as typeof concluded;
      return { id: 77 };
    });

    await probot.receive(issueCommentEvent({ body: '/train alpha=0.1' }));

    expect(limited.count()).toBe(1);
    expect(bad.count()).toBe(1);
    expect(posted.at(-1)).toMatch(
      new RegExp(`^<!-- trainbot:train-${COMMENT_ID} -->\n### trainbot: alpha=0\\.1 vs baseline\n`),
    );
    expect(concluded).toMatchObject({
      conclusion: 'neutral',
      output: { title: '1 of 1 run finished', summary: posted.at(-1)?.split('\n').slice(1).join('\n') },
    });
  }, 30_000);
});
