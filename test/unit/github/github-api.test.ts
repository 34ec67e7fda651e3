// The harness itself: a mock that does not match GitHub's REST description must fail when it is set up.
import { describe, expect, it } from '@jest/globals';
import { exampleResponse, schemaErrors, findOperation, requestSchema } from '../../support/github-openapi.js';
import { expectAllMocksUsed, mockGitHub, useGitHubApi } from '../../support/github-api.js';

useGitHubApi();

const REACTIONS = '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions';

describe('mockGitHub refuses routes GitHub does not have', () => {
  it('an unknown path, naming paths that end alike', () => {
    expect(() => mockGitHub('POST', '/repos/{owner}/{repo}/comments/{comment_id}/reaction')).toThrow(
      "GitHub's REST API has no path /repos/{owner}/{repo}/comments/{comment_id}/reaction.",
    );
    expect(() => mockGitHub('GET', '/repos/{owner}/{repo}/issue/{issue_number}/comments')).toThrow(
      /^GitHub's REST API has no path \/repos\/\{owner\}\/\{repo\}\/issue\/\{issue_number\}\/comments \(paths ending alike: .*\/repos\/\{owner\}\/\{repo\}\/issues\/\{issue_number\}\/comments/,
    );
  });

  it('a method the path does not take', () => {
    expect(() => mockGitHub('PUT', REACTIONS, { params: { comment_id: 1 } })).toThrow(
      "GitHub's REST API has no PUT /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions (that path takes GET, POST).",
    );
  });

  it('a missing path parameter', () => {
    expect(() => mockGitHub('POST', REACTIONS)).toThrow(
      '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions needs a value for {comment_id}.',
    );
  });

  it('an undocumented query parameter', () => {
    expect(() =>
      mockGitHub('GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', {
        params: { issue_number: 1 },
        query: { perPage: 100 },
      }),
    ).toThrow(
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments takes no query parameter perPage (it takes since, per_page, page).',
    );
  });

  it('a success status the operation never answers', () => {
    const route = mockGitHub('POST', REACTIONS, { params: { comment_id: 1 }, body: { content: 'eyes' } });
    expect(() => route.reply(204)).toThrow(
      'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions does not answer 204; GitHub documents 200, 201, 422.',
    );
  });
});

describe('mockGitHub checks the body a test expects against the request schema', () => {
  it('rejects a reaction GitHub does not have', () => {
    expect(() => mockGitHub('POST', REACTIONS, { params: { comment_id: 1 }, body: { content: 'thumbsup' } })).toThrow(
      "The body expected for POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions breaks GitHub's schema:\n" +
        'body.content: "thumbsup" is not one of "+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"',
    );
  });

  it('rejects a body missing a required field, and a field GitHub would drop', () => {
    expect(() =>
      mockGitHub('POST', '/repos/{owner}/{repo}/check-runs', { body: { name: 'trainbot', headSha: 'abc' } }),
    ).toThrow(
      "The body expected for POST /repos/{owner}/{repo}/check-runs breaks GitHub's schema:\n" +
        'body.head_sha: is required\nbody.headSha: is not a property GitHub accepts',
    );
  });

  it("rejects a check summary over GitHub's 65,535-character limit", () => {
    const schema = requestSchema(findOperation('POST', '/repos/{owner}/{repo}/check-runs'));
    if (!schema) throw new Error('check-runs has a request schema');
    expect(
      schemaErrors({ name: 'n', head_sha: 's', output: { title: 't', summary: 'x'.repeat(65_536) } }, schema),
    ).toEqual(['body.output.summary: is 65536 characters, more than 65535']);
  });

  it('accepts a conforming body (the mock is then used, so the after-each check passes)', async () => {
    mockGitHub('POST', REACTIONS, { params: { comment_id: 1 }, body: { content: 'eyes' } }).replyWithExample(201);
    const response = await fetch('https://api.github.com/repos/Codertocat/Hello-World/issues/comments/1/reactions', {
      method: 'POST',
      body: JSON.stringify({ content: 'eyes' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual(exampleResponse('POST', REACTIONS, 201));
  });
});

describe('exampleResponse', () => {
  it("returns GitHub's documented example, a fresh copy each time", () => {
    const first = exampleResponse('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission') as {
      role_name: string;
    };
    expect(first.role_name).toBe('admin');
    first.role_name = 'read';
    expect(
      (exampleResponse('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission') as { role_name: string })
        .role_name,
    ).toBe('admin');
  });
});

describe('expectAllMocksUsed', () => {
  it('fails on a mock that was set up but never requested, naming it', () => {
    mockGitHub('POST', REACTIONS, { params: { comment_id: 5 }, body: { content: 'eyes' } }).replyWithExample(201);
    expect(expectAllMocksUsed).toThrow(
      'POST https://api.github.com:443/repos/Codertocat/Hello-World/issues/comments/5/reactions',
    );
  });
});
