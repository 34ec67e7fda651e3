// runInActions: the Probot app runs inside a workflow step on the event file GitHub Actions provides.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Probot } from 'probot';
import { runInActions } from '../../../src/github/actions-adapter.js';
import { issueCommentEvent } from '../../support/github-events.js';
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
    GITHUB_TOKEN: TEST_TOKEN, GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: eventPath,
    GITHUB_RUN_ID: '1234', GITHUB_RUN_ATTEMPT: '2', GITHUB_API_URL: 'https://api.github.com', ...overrides,
  };
}

describe('runInActions', () => {
  it('delivers the workflow event to the app, which calls GitHub with the job token', async () => {
    const seen: Array<{ id: string; name: string; body: string }> = [];
    const app = (probot: Probot) => {
      probot.on('issue_comment.created', async (context) => {
        seen.push({ id: context.id, name: context.name, body: context.payload.comment.body });
        await context.octokit.rest.reactions.createForIssueComment(context.repo({ comment_id: context.payload.comment.id, content: '+1' }));
      });
    };
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      params: { comment_id: 492700400 }, body: { content: '+1' },
    }).matchHeader('authorization', `token ${TEST_TOKEN}`).replyWithExample(201);

    await runInActions(app, env(), options);
    expect(seen).toEqual([{ id: '1234.2', name: 'issue_comment', body: '/train alpha=0.5' }]);
  });

  it('rejects with the handler\'s error so the step fails', async () => {
    const app = (probot: Probot) => {
      probot.on('issue_comment', async () => { throw new Error('boom'); });
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
    await expect(runInActions(() => {}, env(), options))
      .rejects.toThrow(`The event file ${eventPath} (GITHUB_EVENT_PATH) is not JSON: `);
  });
});
