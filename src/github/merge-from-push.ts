// In Actions mode a merge reaches trainbot as the `push` to the default branch it made, not as
// `pull_request.closed`: a push runs the default branch's own workflow, which the protected `trainbot`
// environment and a runner group limited to that branch accept, while a pull_request event runs the PR's
// copy of the workflow under the PR's branch (docs/security.md). This finds the pull request the pushed
// commit merged and describes it as the `pull_request.closed` delivery the app already handles.
import type { ProbotOctokit } from 'probot';

/** The few fields of a pull request the merge handler reads (src/index.ts closedEvent), as GitHub names them. */
export interface MergedPullRequest {
  number: number;
  merged: true;
  merged_at: string;
  merge_commit_sha: string;
  state: string;
  base: { ref: string };
  head: { ref: string; sha: string };
}

export interface PushPayload {
  ref: string;
  after: string;
  repository: { full_name: string; default_branch?: string; [key: string]: unknown };
  sender?: unknown;
  installation?: unknown;
}

export function isPushPayload(payload: unknown): payload is PushPayload {
  const p = payload as Partial<PushPayload> | null;
  return typeof p?.ref === 'string' && typeof p.after === 'string' && typeof p.repository?.full_name === 'string';
}

type CommitPulls = Pick<ProbotOctokit['rest']['repos'], 'listPullRequestsAssociatedWithCommit'>;

/**
 * The pull request whose merge produced `push.after` on the default branch, or undefined for any other push
 * (a direct push, a branch that is not the default). GitHub lists every PR that contains the commit; only the
 * one whose merge commit it is counts, so a commit that was merged through another PR does not match.
 */
export async function mergedPullRequest(repos: CommitPulls, push: PushPayload): Promise<MergedPullRequest | undefined> {
  const defaultBranch = push.repository.default_branch;
  if (!defaultBranch || push.ref !== `refs/heads/${defaultBranch}` || /^0+$/.test(push.after)) return undefined;
  const [owner = '', repo = ''] = push.repository.full_name.split('/');
  const { data } = await repos.listPullRequestsAssociatedWithCommit({
    owner,
    repo,
    commit_sha: push.after,
    per_page: 100,
  });
  const pr = data.find((p) => p.merged_at && p.merge_commit_sha === push.after && p.base.ref === defaultBranch);
  if (!pr?.merged_at || !pr.merge_commit_sha) return undefined;
  return {
    number: pr.number,
    merged: true,
    merged_at: pr.merged_at,
    merge_commit_sha: pr.merge_commit_sha,
    state: pr.state,
    base: { ref: pr.base.ref },
    head: { ref: pr.head.ref, sha: pr.head.sha },
  };
}

/** The `pull_request.closed` payload of that merge, with the push's repository, sender and installation. */
export function closedPayloadOf(push: PushPayload, pr: MergedPullRequest): Record<string, unknown> {
  return {
    action: 'closed',
    number: pr.number,
    pull_request: pr,
    repository: push.repository,
    sender: push.sender,
    ...(push.installation ? { installation: push.installation } : {}),
  };
}
