// "Re-run" on trainbot's check run, delivered to the Probot app as GitHub sends it (check_run.rerequested from
// @octokit/webhooks-examples), through the real GitHub adapter against nock checked with GitHub's REST description.
// MLflow and the runner are the in-memory ports: the flow itself is covered in on-check-rerequested.test.ts.
import { describe, expect, it } from '@jest/globals';
import { createApp } from '../../../src/index.js';
import { checkExternalId } from '../../../src/pipeline/on-train-comment.js';
import { mockGitHub, useGitHubApi } from '../../support/github-api.js';
import { checkRunRerequestedEvent } from '../../support/github-events.js';
import { Probot } from 'probot';
import { TEST_TOKEN, TestOctokit } from '../../support/github-probot.js';
import {
  COMMENT_AT,
  COMMENT_ID,
  HEAD_SHA,
  expectAnswer,
  mockPrelude,
  mockTrainFlowFor,
  testConfigText,
} from '../../support/train-comment-mocks.js';
import { MemoryTracking, ScriptedRunner } from '../pipeline/memory-ports.js';

useGitHubApi();

const CONFIG = testConfigText('rerun', 'http://mlflow.test:5000');

async function probot() {
  const tracking = new MemoryTracking();
  const runner = new ScriptedRunner(tracking);
  // Without Probot's write pacing (one write a second), which it puts back into an Octokit built without it.
  const app = new Probot({
    githubToken: TEST_TOKEN,
    Octokit: TestOctokit.defaults((o: object) => ({ ...o, throttle: { enabled: false } })),
    logLevel: 'fatal',
  });
  await app.load(createApp({ tracking: tracking as never, runnerFor: () => runner, commentIntervalMs: 0 }));
  return { app, tracking };
}

function mockComment(edited = false): void {
  mockGitHub('GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}', {
    params: { comment_id: COMMENT_ID },
  }).replyWithExample(200, (c: { id: number; body: string; created_at: string; updated_at: string }) => {
    Object.assign(c, {
      id: COMMENT_ID,
      body: '/train alpha=0.1',
      created_at: COMMENT_AT,
      updated_at: edited ? '2026-11-29T20:00:00Z' : COMMENT_AT,
    });
  });
}

const clicked = (options: { headSha?: string; sender?: string } = {}) =>
  checkRunRerequestedEvent({
    externalId: checkExternalId(1, COMMENT_ID),
    headSha: options.headSha ?? HEAD_SHA,
    sender: { login: options.sender ?? 'Codertocat', type: 'User' },
  });

describe('check_run.rerequested', () => {
  it("runs the comment's command again as a new request with its own check run and living comment", async () => {
    const { app, tracking } = await probot();
    mockComment();
    mockPrelude(CONFIG);
    const flow = mockTrainFlowFor(COMMENT_ID, { updates: 3, rerun: true });

    await app.receive(clicked());

    expect(
      tracking.runs.filter((r) => r.tags['trainbot.role'] === 'candidate').map((r) => r.tags['trainbot.request']),
    ).toEqual([`${COMMENT_ID}.rerun-4`]);
    expect(flow.comments[0]).toMatch(new RegExp(`^<!-- trainbot:train-${COMMENT_ID}\\.rerun-4 -->\n`));
    expect(flow.check()).toMatchObject({ conclusion: 'neutral', output: { title: '1 of 1 run finished' } });
  });

  it("answers a reader who pressed it with the bot's refusal, starting nothing", async () => {
    const { app, tracking } = await probot();
    mockComment();
    mockPrelude(CONFIG, { permission: 'read', asking: 'octocat' });
    const posted = expectAnswer();

    await app.receive(clicked({ sender: 'octocat' }));

    await expect(posted).resolves.toBe(
      '@octocat has `read` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    );
    expect(tracking.runs).toEqual([]);
  });

  it("asks for a new comment when the pull request's head moved since the check ran", async () => {
    const { app, tracking } = await probot();
    mockComment();
    mockPrelude(CONFIG);
    const posted = expectAnswer();

    await app.receive(clicked({ headSha: 'd6fde92930d4715a2b49857d24b940956b26d2d3' }));

    await expect(posted).resolves.toBe(
      "This check ran on `d6fde92`, but the pull request's head is now `ec26c3e`, so the re-run was not started; comment the `/train` command again to train the new head.",
    );
    expect(tracking.runs).toEqual([]);
  });

  it("ignores another app's check run without asking GitHub anything", async () => {
    const { app } = await probot();
    await app.receive(checkRunRerequestedEvent({ name: 'randscape', externalId: '', headSha: HEAD_SHA }));
  });
});
