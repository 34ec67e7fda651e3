// The Actions entry (src/actions-main.ts) as the workflow step runs it, a child process, against a GitHub
// API played by a loopback HTTP server: when the runner cannot be set up (no kubeconfig), the pull request
// gets the runner's own sentence and the step fails.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { escapeMarkdown } from '../../../src/report/markdown-escape.js';
import { NO_KUBECONFIG } from '../../../src/runners/kubernetes/kube-config.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { REPO_CONFIG_TEXT } from '../config/repo-config.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const posted: string[] = [];
let server: Server;
let dir: string;

/** The three reads a command makes before it needs the runner, and the comment it posts. */
function fakeGitHub(request: import('node:http').IncomingMessage, body: string): [number, unknown] {
  const repo = { full_name: 'Codertocat/Hello-World' };
  const path = new URL(request.url ?? '', 'http://x').pathname;
  if (request.method === 'GET' && path.endsWith('/pulls/1')) {
    return [
      200,
      {
        number: 1,
        state: 'open',
        merged: false,
        head: { sha: 'e'.repeat(40), ref: 'tune-alpha', repo },
        base: { ref: 'master', repo },
      },
    ];
  }
  if (request.method === 'GET' && path.includes('/contents/'))
    return [200, { type: 'file', encoding: 'base64', content: Buffer.from(REPO_CONFIG_TEXT).toString('base64') }];
  if (request.method === 'GET' && path.endsWith('/permission'))
    return [200, { permission: 'write', role_name: 'write', user: { login: 'Codertocat' } }];
  if (request.method === 'POST' && path.endsWith('/issues/1/comments')) {
    posted.push((JSON.parse(body) as { body: string }).body);
    return [201, { id: 1 }];
  }
  return [404, { message: `not faked: ${request.method} ${path}` }];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trainbot-actions-main-'));
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const [status, json] = fakeGitHub(request, body);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
});
afterAll(async () => {
  await new Promise((closed) => server.close(closed));
  await rm(dir, { recursive: true, force: true });
});

function runActionsMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const tsx = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(ROOT, 'src', 'actions-main.ts')], { cwd: dir, env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.resume();
  return new Promise((done) => child.on('close', (code) => done({ code, stderr })));
}

describe('dist/actions-main.js in a workflow step', () => {
  it('posts the RunnerError sentence when there is no kubeconfig, and exits non-zero', async () => {
    const eventPath = join(dir, 'event.json');
    await writeFile(eventPath, JSON.stringify(issueCommentEvent({ body: '/train alpha=0.5' }).payload));
    const { port } = server.address() as AddressInfo;

    const { code, stderr } = await runActionsMain({
      PATH: process.env.PATH ?? '',
      HOME: dir,
      GITHUB_TOKEN: 'ghs_test',
      GITHUB_EVENT_NAME: 'issue_comment',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_API_URL: `http://127.0.0.1:${port}`,
      KUBECONFIG: join(dir, 'missing-kubeconfig'),
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:9',
      TRAINBOT_SIGNING_KEY: 'k'.repeat(32),
      LOG_LEVEL: 'fatal',
    });

    expect(posted).toEqual([`Nothing was started: ${escapeMarkdown(NO_KUBECONFIG)}`]);
    expect(stderr).toContain(`trainbot: Nothing was started: ${NO_KUBECONFIG}\n`);
    expect(code).toBe(1);
  }, 60_000);
});
