// A Probot 14 app receiving a real issue_comment delivery reaches GitHub through OctokitGitHub.fromContext,
// bound to the repository the event came from: the path the ChatOps pipeline takes.
import { describe, expect, it } from '@jest/globals';
import { Probot } from 'probot';
import { OctokitGitHub } from '../../../src/github/octokit-github.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { mockGitHub, useGitHubApi } from '../../support/github-api.js';
import { TestOctokit, testProbot } from '../../support/github-probot.js';
import { appPrivateKey } from '../../support/app-private-key.js';

useGitHubApi();

/** An app that acknowledges every comment with 👀 and reports what it saw. */
function eyesApp(seen: string[]) {
  return (app: Probot) => {
    app.on('issue_comment.created', async (context) => {
      seen.push(context.payload.comment.body);
      await OctokitGitHub.fromContext(context).react(context.payload.comment.id, 'eyes');
    });
  };
}

describe('OctokitGitHub.fromContext', () => {
  it('reacts on the repository and comment of the delivery', async () => {
    const seen: string[] = [];
    const probot = await testProbot(eyesApp(seen));
    const delivery = issueCommentEvent({ body: '/train alpha=0.5' });
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      params: { owner: 'Codertocat', repo: 'Hello-World', comment_id: 492700400 },
      body: { content: 'eyes' },
    }).replyWithExample(201);

    await probot.receive(delivery);
    expect(seen).toEqual(['/train alpha=0.5']);
  });

  it('surfaces a GitHub failure from the handler to receive()', async () => {
    const probot = await testProbot(eyesApp([]));
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      params: { comment_id: 492700400 },
      body: { content: 'eyes' },
    }).reply(403, { message: 'Resource not accessible by integration' });

    await expect(probot.receive(issueCommentEvent({ body: '/train' }))).rejects.toThrow(
      'trainbot could not add a reaction to comment 492700400 (GitHub answered HTTP 403).',
    );
  });
});

describe('as a GitHub App', () => {
  it("exchanges its JWT for the delivery's installation token, then calls GitHub with it", async () => {
    // A throwaway key: Probot signs the JWT locally; only the token exchange is mocked.
    const privateKey = appPrivateKey();
    const probot = new Probot({ appId: 12345, privateKey, Octokit: TestOctokit, logLevel: 'fatal' });
    await probot.load(eyesApp([]));
    const delivery = issueCommentEvent({ body: '/train' });
    const installationId = delivery.payload.installation?.id;
    expect(installationId).toBe(1);

    mockGitHub('POST', '/app/installations/{installation_id}/access_tokens', { params: { installation_id: 1 } })
      .matchHeader('authorization', /^bearer /)
      .replyWithExample(201, (token: { token: string }) => ({ ...token, token: 'ghs_installation' }));
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      params: { comment_id: 492700400 },
      body: { content: 'eyes' },
    })
      .matchHeader('authorization', 'token ghs_installation')
      .replyWithExample(201);

    await probot.receive(delivery);
  });
});
