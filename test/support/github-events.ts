// Webhook deliveries for tests, built from GitHub's real example payloads (@octokit/webhooks-examples,
// api.github.com) with the few edits a scenario needs, each documented where it is made. The examples
// hold no comment on a pull request and no merged pull request, so those two facts are edits too.
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import type { Probot } from 'probot';

export type WebhookDelivery = Parameters<Probot['receive']>[0];
type EventName = 'issue_comment' | 'pull_request' | 'push' | 'check_run';
type Payload<E extends EventName> = WebhookDefinition<E>['examples'][number];
export type IssueCommentPayload = Payload<'issue_comment'>;
export type PullRequestPayload = Payload<'pull_request'>;
export type PushPayload = Payload<'push'>;
export type CheckRunPayload = Payload<'check_run'>;

const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];

function examplesOf<E extends EventName>(event: E): Array<Payload<E>> {
  return (definitions.find((d) => d.name === event)?.examples ?? []) as Array<Payload<E>>;
}

/** A deep copy of the first example of `event.action`, preferring one delivered to an App installation. */
export function webhookExample<E extends 'issue_comment' | 'pull_request'>(event: E, action: string): Payload<E> {
  const examples = examplesOf(event).filter((e) => e.action === action);
  const chosen = examples.find((e) => e.installation) ?? examples[0];
  if (!chosen) throw new Error(`@octokit/webhooks-examples has no ${event}.${action} payload.`);
  return structuredClone(chosen);
}

/** A real installation object from the event's examples: App deliveries always carry one, some examples omit it. */
function installationOf(event: EventName): IssueCommentPayload['installation'] {
  return examplesOf(event).find((e) => e.installation)?.installation;
}

export interface CommentOptions {
  action?: 'created' | 'edited';
  body: string;
  /** Replace the comment author (e.g. `{ login: 'trainbot[bot]', type: 'Bot' }`). */
  author?: { login: string; type: 'User' | 'Bot' | 'Organization' };
  /** false: leave the comment on a plain issue, as in the examples. */
  onPullRequest?: boolean;
}

/** `issue_comment.created` (or `.edited`) on pull request #1 of Codertocat/Hello-World, whose body is `body`. */
export function issueCommentEvent(options: CommentOptions): WebhookDelivery & { payload: IssueCommentPayload } {
  const { action = 'created', body, author, onPullRequest = true } = options;
  const payload = webhookExample('issue_comment', action);
  payload.comment.body = body;
  if (author) {
    payload.comment.user = { ...payload.comment.user, ...author };
    payload.sender = { ...payload.sender, ...author };
  }
  if (onPullRequest) {
    // GitHub marks an issue that is a pull request with `issue.pull_request` (links + merged_at); the
    // links follow the repository's own URLs.
    const { number } = payload.issue;
    const { url, html_url } = payload.repository;
    payload.issue.pull_request = {
      url: `${url}/pulls/${number}`,
      html_url: `${html_url}/pull/${number}`,
      diff_url: `${html_url}/pull/${number}.diff`,
      patch_url: `${html_url}/pull/${number}.patch`,
      merged_at: null,
    };
  }
  payload.installation ??= installationOf('issue_comment');
  return { id: `issue_comment-${action}-${payload.comment.id}`, name: 'issue_comment', payload } as WebhookDelivery & {
    payload: IssueCommentPayload;
  };
}

/** `pull_request.closed` for PR #2 of Codertocat/Hello-World; `merged` turns it into a merge. */
export function pullRequestClosedEvent({
  merged,
}: {
  merged: boolean;
}): WebhookDelivery & { payload: PullRequestPayload } {
  const payload = webhookExample('pull_request', 'closed');
  if (merged && payload.action === 'closed') {
    // What GitHub sets on a merge: the flag, the time (the close time) and who merged (the sender).
    // merge_commit_sha is already there in the example.
    payload.pull_request.merged = true;
    payload.pull_request.merged_at = payload.pull_request.closed_at;
    payload.pull_request.merged_by = payload.sender;
  }
  return {
    id: `pull_request-closed-${merged ? 'merged' : 'unmerged'}`,
    name: 'pull_request',
    payload,
  } as WebhookDelivery & { payload: PullRequestPayload };
}

/** A push to the example repository's default branch (`master`), as a merge makes one; `ref` moves it elsewhere. */
export function pushEvent(ref?: string): WebhookDelivery & { payload: PushPayload } {
  const payload = structuredClone(examplesOf('push').find((e) => e.ref === 'refs/heads/master' && e.installation));
  if (!payload) throw new Error('@octokit/webhooks-examples has no push to the default branch.');
  if (ref) payload.ref = ref;
  return { id: `push-${payload.after}`, name: 'push', payload } as WebhookDelivery & { payload: PushPayload };
}

/**
 * `check_run.rerequested`: "Re-run" pressed on a check run in the checks tab. The example is another app's check
 * run on github/hello-world; the edits make it trainbot's on Codertocat/Hello-World (the repository the other
 * events come from): its name, the external_id trainbot gave it, the head sha it ran on, the repository.
 */
export function checkRunRerequestedEvent(options: {
  externalId: string;
  headSha: string;
  name?: string;
  sender?: { login: string; type: 'User' | 'Bot' };
}): WebhookDelivery & { payload: CheckRunPayload } {
  const payload = structuredClone(examplesOf('check_run').find((e) => e.action === 'rerequested' && e.installation));
  if (!payload) throw new Error('@octokit/webhooks-examples has no check_run.rerequested payload.');
  payload.check_run.name = options.name ?? 'trainbot';
  payload.check_run.external_id = options.externalId;
  payload.check_run.head_sha = options.headSha;
  payload.check_run.check_suite.head_sha = options.headSha;
  payload.repository = structuredClone(
    webhookExample('issue_comment', 'created').repository,
  ) as unknown as typeof payload.repository;
  if (options.sender) payload.sender = { ...payload.sender, ...options.sender };
  return { id: `check_run-rerequested-${payload.check_run.id}`, name: 'check_run', payload } as WebhookDelivery & {
    payload: CheckRunPayload;
  };
}
