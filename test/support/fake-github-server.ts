// A loopback stand-in for the GitHub REST calls of one `/train` on PR #1, for a bot running in a child process
// (nock only reaches its own process). It keeps what was posted, and can leave one kind of request unanswered:
// the child then stops there, and the test kills it with SIGKILL.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHub {
  url: string;
  comments: string[]; // every version of the living comment
  checkUpdates: Array<{ conclusion?: string }>;
  reactions: string[];
  /**
   * The next request matching `test` gets no answer; resolves when it arrived. With `handled`, the stand-in
   * carries it out first, as GitHub does when only its answer is lost.
   */
  holdNext(
    test: (method: string, path: string, body: string) => boolean,
    options?: { handled?: boolean },
  ): Promise<void>;
  release(): void; // answer held requests from now on
  close(): Promise<void>;
}

const BOT = { login: 'trainbot[bot]', type: 'Bot' };

export async function startFakeGitHub(pr: {
  headSha: string;
  configText: string;
  commentAt: string;
}): Promise<FakeGitHub> {
  const comments: string[] = [];
  const checkUpdates: Array<{ conclusion?: string }> = [];
  const reactions: string[] = [];
  let hold: { test: (m: string, p: string, b: string) => boolean; handled: boolean; arrived: () => void } | undefined;
  const checkRuns: Array<{ id: number; name: string; external_id?: string; head_sha: string; status: string }> = [];
  const answer = (method: string, path: string, body: string): [number, unknown] => {
    const json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    if (method === 'GET' && /\/pulls\/1$/.test(path)) {
      return [
        200,
        {
          number: 1,
          state: 'open',
          merged: false,
          head: { sha: pr.headSha, ref: 'tune-alpha', repo: { full_name: 'Codertocat/Hello-World' } },
          base: { ref: 'main', repo: { full_name: 'Codertocat/Hello-World' } },
        },
      ];
    }
    if (method === 'GET' && path.includes('/contents/'))
      return [200, { type: 'file', encoding: 'base64', content: Buffer.from(pr.configText).toString('base64') }];
    if (method === 'GET' && path.includes('/permission')) return [200, { permission: 'write', role_name: 'write' }];
    if (method === 'GET' && path.includes('/activity'))
      return [
        200,
        [
          {
            after: pr.headSha,
            timestamp: new Date(Date.parse(pr.commentAt) - 3_600_000).toISOString(),
            activity_type: 'push',
          },
        ],
      ];
    if (method === 'POST' && path.endsWith('/reactions')) {
      reactions.push(String(json.content));
      return [201, {}];
    }
    if (method === 'POST' && path.endsWith('/check-runs')) {
      const { name, external_id, head_sha } = json as { name: string; external_id?: string; head_sha: string };
      checkRuns.push({ id: 79, name, external_id, head_sha, status: 'in_progress' });
      return [201, { id: 79 }];
    }
    if (method === 'GET' && /\/commits\/[^/]+\/check-runs$/.test(path)) {
      const sha = path.split('/').at(-2);
      const runs = checkRuns.filter((c) => c.head_sha === sha);
      return [200, { total_count: runs.length, check_runs: runs }];
    }
    if (method === 'PATCH' && path.includes('/check-runs/')) {
      checkUpdates.push(json as { conclusion?: string });
      for (const run of checkRuns) if ((json as { conclusion?: string }).conclusion) run.status = 'completed';
      return [200, { id: 79 }];
    }
    if (method === 'GET' && path.endsWith('/issues/1/comments'))
      return [200, comments.length ? [{ id: 502, body: comments.at(-1), user: BOT }] : []];
    if (method === 'POST' && path.endsWith('/issues/1/comments')) {
      comments.push(String(json.body));
      return [201, { id: 502 }];
    }
    if (method === 'PATCH' && path.includes('/issues/comments/')) {
      comments.push(String(json.body));
      return [200, { id: 502 }];
    }
    return [404, { message: `fake GitHub: nothing at ${method} ${path}` }];
  };
  const server: Server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const method = request.method ?? 'GET';
      const path = (request.url ?? '').split('?')[0] ?? '';
      if (hold?.test(method, path, body)) {
        const { arrived, handled } = hold;
        hold = undefined;
        if (handled) answer(method, path, body);
        arrived();
        return; // never answered: the child waits here until killed
      }
      const [status, json] = answer(method, path, body);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    comments,
    checkUpdates,
    reactions,
    holdNext: (test, options) =>
      new Promise((arrived) => {
        hold = { test, handled: options?.handled ?? false, arrived };
      }),
    release: () => {
      hold = undefined;
    },
    close: () =>
      new Promise((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}
