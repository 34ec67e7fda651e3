// A new comment on a pull request as the pipeline receives it (CommentEvent, from the Probot adapter): by the
// user octocat on pull request 1 of acme/models. Tests name what they vary, the comment's id and body first.
import type { CommentEvent } from '../../src/pipeline/on-train-comment.js';

export function commentEvent(commentId: number, body: string, overrides: Partial<CommentEvent> = {}): CommentEvent {
  return {
    repo: 'acme/models',
    issueNumber: 1,
    isPullRequest: true,
    action: 'created',
    commentId,
    body,
    author: { login: 'octocat', type: 'User' },
    createdAt: '2026-01-01T12:00:00Z',
    ...overrides,
  };
}
