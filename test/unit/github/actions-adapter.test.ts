// runInActions: the Probot app runs inside a workflow step on the event file GitHub Actions provides.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Probot } from 'probot';
import { type WorkflowRepository, recoverInActions, runInActions } from '../../../src/github/actions-adapter.js';
import { issueCommentEvent, pushEvent } from '../../support/github-events.js';
import { mockGitHub, useGitHubApi } from '../../support/github-api.js';
import { TEST_TOKEN, TestOctokit } from '../../support/github-probot.js';

useGitHubApi();

const options = { Octokit: TestOctokit, logLevel: 'fatal' as const };
let dir: string;
let eventPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trainbot-actions-'));
  eventPath = join(dir, 'event.json');
  await writeFile(eventPath, JSON.stringify(issueCommentEvent({ body: '/train alpha=0.5' }).payload));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function env(overrides: Record<string, string | undefined> = {}) {
  return {
    GITHUB_TOKEN: TEST_TOKEN,
    GITHUB_EVENT_NAME: 'issue_comment',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_RUN_ID: '1234',
    GITHUB_RUN_ATTEMPT: '2',
    GITHUB_API_URL: 'https://api.github.com',
    ...overrides,
  };
}

describe('runInActions', () => {
  it('delivers the workflow event to the app, which calls GitHub with the job token', async () => {
    const seen: Array<{ id: string; name: string; body: string }> = [];
    const app = (probot: Probot) => {
      probot.on('issue_comment.created', async (context) => {
        seen.push({ id: context.id, name: context.name, body: context.payload.comment.body });
        await context.octokit.rest.reactions.createForIssueComment(
          context.repo({ comment_id: context.payload.comment.id, content: '+1' }),
        );
      });
    };
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      params: { comment_id: 492700400 },
      body: { content: '+1' },
    })
      .matchHeader('authorization', `token ${TEST_TOKEN}`)
      .replyWithExample(201);

    await runInActions(app, env(), options);
    expect(seen).toEqual([{ id: '1234.2', name: 'issue_comment', body: '/train alpha=0.5' }]);
  });

  it("rejects with the handler's error so the step fails", async () => {
    const app = (probot: Probot) => {
      probot.on('issue_comment', async () => {
        throw new Error('boom');
      });
    };
    await expect(runInActions(app, env(), options)).rejects.toThrow('boom');
  });

  it.each([
    ['GITHUB_TOKEN', 'GITHUB_TOKEN is not set; pass `env: { GITHUB_TOKEN: ${{ github.token }} }` to the step.'],
    ['GITHUB_EVENT_NAME', 'GITHUB_EVENT_NAME is not set; run this inside a GitHub Actions job.'],
    ['GITHUB_EVENT_PATH', 'GITHUB_EVENT_PATH is not set; run this inside a GitHub Actions job.'],
  ])('explains a missing %s', async (name, message) => {
    await expect(runInActions(() => {}, env({ [name]: undefined }), options)).rejects.toThrow(message);
  });

  it('explains an event file that is not JSON', async () => {
    await writeFile(eventPath, 'not json');
    await expect(runInActions(() => {}, env(), options)).rejects.toThrow(
      `The event file ${eventPath} (GITHUB_EVENT_PATH) is not JSON: `,
    );
  });

  describe('a push', () => {
    const push = pushEvent().payload;
    const COMMIT_PULLS = '/repos/{owner}/{repo}/commits/{commit_sha}/pulls';
    type Pulls = Array<{
      number: number;
      merged_at: string | null;
      merge_commit_sha: string | null;
      base: { ref: string };
    }>;
    const merged = (pulls: Pulls, number: number, mergeCommit: string, base = 'master') => {
      const first = pulls[0]!;
      return [
        {
          ...first,
          number,
          merged_at: '2026-11-29T20:00:00Z',
          merge_commit_sha: mergeCommit,
          base: { ...first.base, ref: base },
        },
      ];
    };
    const received = () => {
      const seen: Array<{ name: string; action: string; number: number; merged: boolean; mergeCommit: string | null }> =
        [];
      const app = (probot: Probot) => {
        probot.on('pull_request.closed', async (context) => {
          const pr = context.payload.pull_request;
          seen.push({
            name: context.name,
            action: context.payload.action,
            number: pr.number,
            merged: Boolean(pr.merged),
            mergeCommit: pr.merge_commit_sha,
          });
        });
        probot.on('push', async () => {
          seen.push({ name: 'push', action: '', number: 0, merged: false, mergeCommit: null });
        });
      };
      return { seen, app };
    };
    const writePush = (payload: unknown) => writeFile(eventPath, JSON.stringify(payload));

    it('to the default branch is delivered as the pull_request.closed of the pull request it merged', async () => {
      await writePush(push);
      mockGitHub('GET', COMMIT_PULLS, {
        params: { commit_sha: push.after },
        query: { per_page: 100 },
      }).replyWithExample(200, (pulls: Pulls) => merged(pulls, 7, push.after));
      const { seen, app } = received();
      await runInActions(app, env({ GITHUB_EVENT_NAME: 'push' }), options);
      expect(seen).toEqual([
        { name: 'pull_request', action: 'closed', number: 7, merged: true, mergeCommit: push.after },
      ]);
    });

    it.each([
      ['a commit that was merged through another pull request', (pulls: Pulls) => merged(pulls, 7, 'f'.repeat(40))],
      ['an open pull request that contains the commit', (pulls: Pulls) => [{ ...pulls[0]!, merged_at: null }]],
      ['no pull request at all (a direct push)', () => []],
    ])('delivers nothing for %s', async (_, answer) => {
      await writePush(push);
      mockGitHub('GET', COMMIT_PULLS, {
        params: { commit_sha: push.after },
        query: { per_page: 100 },
      }).replyWithExample(200, answer);
      const { seen, app } = received();
      await runInActions(app, env({ GITHUB_EVENT_NAME: 'push' }), options);
      expect(seen).toEqual([]);
    });

    it('to another branch or a tag asks GitHub nothing and delivers nothing', async () => {
      for (const ref of ['refs/heads/feature', 'refs/tags/v1']) {
        await writePush(pushEvent(ref).payload);
        const { seen, app } = received();
        await runInActions(app, env({ GITHUB_EVENT_NAME: 'push' }), options);
        expect(seen).toEqual([]);
      }
    });
  });
});

describe('recoverInActions', () => {
  const recoverEnv = (overrides: Record<string, string | undefined> = {}) => ({
    GITHUB_TOKEN: TEST_TOKEN,
    GITHUB_REPOSITORY: 'Codertocat/Hello-World',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_API_URL: 'https://api.github.com',
    ...overrides,
  });

  it("hands the recovery the workflow's repository and branch, reached with the job token", async () => {
    let target: WorkflowRepository | undefined;
    mockGitHub('GET', '/repos/{owner}/{repo}/contents/{path}', {
      params: { path: '.github/trainbot.yml' },
      query: { ref: 'main' },
    })
      .matchHeader('authorization', `token ${TEST_TOKEN}`)
      .replyWithExample(200, (file: { type: string; encoding: string; content: string }) => {
        file.type = 'file';
        file.encoding = 'base64';
        file.content = Buffer.from('namespace: ml\n').toString('base64');
      });
    await recoverInActions(
      async (t) => {
        target = t;
        expect(await t.github.readConfig(t.ref)).toBe('namespace: ml\n');
      },
      recoverEnv(),
      options,
    );
    expect([target?.repo, target?.ref]).toEqual(['Codertocat/Hello-World', 'main']);
  });

  it("appends to the step's job summary when the runner gave one, and writes nothing otherwise", async () => {
    const summaryPath = join(dir, 'summary.md');
    await writeFile(summaryPath, 'earlier step\n');
    await recoverInActions(
      (t) => t.summary('### trainbot recovery'),
      recoverEnv({ GITHUB_STEP_SUMMARY: summaryPath }),
      options,
    );
    expect(await readFile(summaryPath, 'utf8')).toBe('earlier step\n### trainbot recovery\n');
    await expect(recoverInActions((t) => t.summary('x'), recoverEnv(), options)).resolves.toBeUndefined();
  });

  it.each([
    ['GITHUB_TOKEN', 'GITHUB_TOKEN is not set; pass `env: { GITHUB_TOKEN: ${{ github.token }} }` to the step.'],
    ['GITHUB_REPOSITORY', 'GITHUB_REPOSITORY is not set; run this inside a GitHub Actions job.'],
    ['GITHUB_REF_NAME', 'GITHUB_REF_NAME is not set; run this inside a GitHub Actions job.'],
  ])('explains a missing %s', async (name, message) => {
    await expect(recoverInActions(async () => {}, recoverEnv({ [name]: undefined }), options)).rejects.toThrow(message);
  });

  it('refuses a GITHUB_REPOSITORY that is not owner/name, before calling anything', async () => {
    let called = false;
    const recover = async () => {
      called = true;
    };
    for (const repository of ['Hello-World', 'Codertocat/Hello-World/extra', '/Hello-World']) {
      await expect(recoverInActions(recover, recoverEnv({ GITHUB_REPOSITORY: repository }), options)).rejects.toThrow(
        `GITHUB_REPOSITORY is "${repository}", not owner/name.`,
      );
    }
    expect(called).toBe(false);
  });
});
