// GitHub faked with nock for the benches that drive the Probot app (app-latency.ts, load.ts): any PR number is an
// open PR with the given config on main and write permission, and comments are kept in memory so the living
// comment is found by its marker and PATCHed as on GitHub. Every request is counted by route.
import nock from 'nock';
import { issueCommentEvent } from '../test/support/github-events.js';

export interface FakeGitHub {
  requests: Map<string, number>; // "METHOD route" → count
  eyesAt: Map<number, number>; // comment id → when the 👀 POST arrived (performance.now())
  confused: number; // 😕 reactions: commands whose runs did not all finish
  firstFailure?: string; // the living comment's line for the first run that failed
  lastCommentPatchAt: Map<string, number>; // living-comment marker key → when its last PATCH arrived
  total(): number;
}

/**
 * GitHub as the app sees it for any PR number: open PRs, the given config on main, write permission, and
 * issue comments kept in memory so the living comment is found by its marker and PATCHed like on GitHub.
 */
export function fakeGitHub(config: string): FakeGitHub {
  const gh: FakeGitHub = {
    requests: new Map(),
    eyesAt: new Map(),
    confused: 0,
    lastCommentPatchAt: new Map(),
    total: () => [...gh.requests.values()].reduce((a, b) => a + b, 0),
  };
  nock.cleanAll(); // an earlier part's fake would answer first
  const comments = new Map<number, { id: number; body: string; user: { login: string; type: string } }[]>();
  let nextId = 1_000_000;
  const count = (route: string) => gh.requests.set(route, (gh.requests.get(route) ?? 0) + 1);
  const repo = { full_name: 'Codertocat/Hello-World' };
  const api = nock('https://api.github.com').persist();
  // nock 15 hands a reply function the fetch Request.
  const on = (
    method: 'get' | 'post' | 'patch',
    route: string,
    path: RegExp,
    answer: (m: RegExpExecArray, request: Request) => unknown,
  ) =>
    api[method](path)
      .query(true)
      .reply(method === 'post' ? 201 : 200, async (request: Request) => {
        count(`${method.toUpperCase()} ${route}`);
        return answer(path.exec(new URL(request.url).pathname) as RegExpExecArray, request);
      });
  const bodyOf = async (request: Request) => (await request.json()) as { body?: string; content?: string };

  on('get', 'pulls/{n}', /\/pulls\/(\d+)$/, (m) => ({
    number: Number(m[1]),
    state: 'open',
    merged: false,
    head: { sha: Number(m[1]).toString(16).padStart(40, 'a'), ref: `feature-${m[1]}`, repo },
    base: { ref: 'main', repo },
  }));
  // The head branch's pushes (the head pin, src/github/head-at-comment.ts): one push that left the PR's head long
  // before any comment.
  on('get', 'activity', /\/activity$/, (_m, request) => {
    const n = Number(/feature-(\d+)$/.exec(new URL(request.url).searchParams.get('ref') ?? '')?.[1]);
    return [
      {
        id: 1,
        ref: `refs/heads/feature-${n}`,
        after: n.toString(16).padStart(40, 'a'),
        timestamp: '2001-01-01T00:00:00Z',
        activity_type: 'push',
      },
    ];
  });
  on('get', 'contents/{path}', /\/contents\/.+$/, () => ({
    type: 'file',
    encoding: 'base64',
    content: Buffer.from(config).toString('base64'),
  }));
  on('get', 'collaborators/{user}/permission', /\/permission$/, () => ({
    permission: 'write',
    role_name: 'write',
    user: { login: 'Codertocat' },
  }));
  on('post', 'issues/comments/{id}/reactions', /\/issues\/comments\/(\d+)\/reactions$/, async (m, request) => {
    const { content } = await bodyOf(request);
    if (content === 'eyes') gh.eyesAt.set(Number(m[1]), performance.now());
    if (content === 'confused') gh.confused += 1;
    return { id: 1 };
  });
  on('post', 'check-runs', /\/check-runs$/, () => ({ id: 77 }));
  on('patch', 'check-runs/{id}', /\/check-runs\/\d+$/, () => ({ id: 77 }));
  on('get', 'issues/{n}/comments', /\/issues\/(\d+)\/comments$/, (m) => comments.get(Number(m[1])) ?? []);
  on('post', 'issues/{n}/comments', /\/issues\/(\d+)\/comments$/, async (m, request) => {
    const comment = {
      id: nextId++,
      body: (await bodyOf(request)).body ?? '',
      user: { login: 'trainbot[bot]', type: 'Bot' },
    };
    comments.set(Number(m[1]), [...(comments.get(Number(m[1])) ?? []), comment]);
    return comment;
  });
  on('patch', 'issues/comments/{id}', /\/issues\/comments\/(\d+)$/, async (m, request) => {
    const body = (await bodyOf(request)).body ?? '';
    const comment = [...comments.values()].flat().find((c) => c.id === Number(m[1]));
    if (comment) comment.body = body;
    const key = /<!-- trainbot:(train-\d+) -->/.exec(body)?.[1];
    if (key) gh.lastCommentPatchAt.set(key, performance.now());
    gh.firstFailure ??= body
      .split('\n')
      .find((line) => line.includes('❌ failed'))
      ?.slice(0, 300);
    return comment ?? {};
  });
  return gh;
}

/** A `/train` delivery for PR `pr`, comment `commentId`, built from GitHub's example payload. */
export function delivery(pr: number, commentId: number, body = '/train alpha=0.1') {
  const event = issueCommentEvent({ body });
  event.payload.issue.number = pr;
  event.payload.comment.id = commentId;
  return { ...event, id: `bench-${commentId}` };
}
