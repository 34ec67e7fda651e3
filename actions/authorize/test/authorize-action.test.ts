// The action's entry, run as the runner runs it (a child process, inputs as INPUT_*), against a stand-in for
// GitHub's API on loopback (nock cannot reach a child process) that answers with GitHub's documented examples.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCommentEvent } from '../../../test/support/github-events.js';
import { exampleResponse } from '../../../test/support/github-openapi.js';
import { runAction } from '../../../test/support/run-action.js';
import { testConfigText } from '../../../test/support/train-comment-mocks.js';

const TOKEN = 'ghs_gate-test-token';
const REPO = '/repos/Codertocat/Hello-World';
const CONFIG = testConfigText('gate', 'http://mlflow.test:5000');

interface Seen {
  method: string;
  path: string;
  authorization: string;
  body: string;
}
let server: Server;
let apiUrl: string;
let seen: Seen[] = [];
let permission = 'write';
let pullStatus = 200;
let workspace: string;

function answer(method: string, path: string): [number, unknown] {
  if (method === 'GET' && path === `${REPO}/pulls/1`) {
    if (pullStatus !== 200) return [pullStatus, { message: 'Server Error' }];
    const pr = exampleResponse('GET', '/repos/{owner}/{repo}/pulls/{pull_number}') as {
      number: number;
      state: string;
      base: { ref: string; repo: { full_name: string } };
      head: { repo: { full_name: string } };
    };
    Object.assign(pr, { number: 1, state: 'open' });
    pr.base.ref = 'main';
    pr.base.repo.full_name = 'Codertocat/Hello-World';
    pr.head.repo.full_name = 'Codertocat/Hello-World';
    return [200, pr];
  }
  if (method === 'GET' && path === `${REPO}/contents/.github%2Ftrainbot.yml?ref=main`) {
    const file = exampleResponse('GET', '/repos/{owner}/{repo}/contents/{path}') as Record<string, unknown>;
    return [200, { ...file, type: 'file', encoding: 'base64', content: Buffer.from(CONFIG).toString('base64') }];
  }
  if (method === 'GET' && path === `${REPO}/collaborators/Codertocat/permission`) {
    const level = exampleResponse('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission') as Record<
      string,
      unknown
    >;
    return [200, { ...level, permission, role_name: permission }];
  }
  if (method === 'POST' && path === `${REPO}/issues/1/comments`) {
    return [201, exampleResponse('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', 201)];
  }
  return [404, { message: `the stand-in does not know ${method} ${path}` }];
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const { method = '', url = '' } = request;
      seen.push({ method, path: url, authorization: request.headers.authorization ?? '', body });
      const [status, json] = answer(method, url);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(async () => {
  seen = [];
  permission = 'write';
  pullStatus = 200;
  await rm(workspace, { recursive: true, force: true });
});

async function gate(body: string) {
  workspace = await mkdtemp(join(tmpdir(), 'trainbot-gate-'));
  const eventPath = join(workspace, 'event.json');
  await writeFile(eventPath, JSON.stringify(issueCommentEvent({ body }).payload));
  return runAction('authorize', {
    workspace,
    inputs: { 'github-token': TOKEN },
    env: {
      GITHUB_EVENT_NAME: 'issue_comment',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: 'Codertocat/Hello-World',
      GITHUB_API_URL: apiUrl,
    },
  });
}

const comments = () =>
  seen.filter((r) => r.method === 'POST').map((r) => (JSON.parse(r.body) as { body: string }).body);

describe('the authorize action', () => {
  it("outputs allowed=true and the pull request for a writer, with the workflow's token, and comments nothing", async () => {
    const run = await gate('/train alpha=0.5');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ allowed: 'true', pr: '1' });
    expect(comments()).toEqual([]);
    expect(seen.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
  }, 60_000);

  it("posts the bot's sentence to a reader and outputs allowed=false, without failing", async () => {
    permission = 'read';
    const run = await gate('/train');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ allowed: 'false', pr: '1' });
    expect(comments()).toEqual([
      '@Codertocat has `read` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    ]);
  }, 60_000);

  it('says nothing and asks GitHub nothing about a comment that is not a command', async () => {
    const run = await gate('> /train alpha=0.5\n\nwhy this value?');
    expect(run.outputs).toEqual({ allowed: 'false', pr: '' });
    expect(seen).toEqual([]);
  }, 60_000);

  it('fails the step, and says so on the pull request, when GitHub cannot show the pull request', async () => {
    pullStatus = 500;
    const run = await gate('/train');
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({ allowed: 'false', pr: '1' });
    expect(comments()).toEqual([
      'Nothing was started: trainbot could not read pull request #\u20601 (GitHub answered HTTP 500).',
    ]);
    expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual(comments());
  }, 60_000);
});
