// GitHubPort: everything the pipeline asks of GitHub, for one repository. The pipeline depends on this
// interface only; src/github/octokit-github.ts is the adapter, tests may pass a fake.
import type { RepoPermission } from '../auth/permission-level.js';

/** The reactions GitHub accepts on a comment. */
export type Reaction = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

export type CheckStatus = 'queued' | 'in_progress' | 'completed';
export type CheckConclusion =
  'success' | 'neutral' | 'failure' | 'cancelled' | 'timed_out' | 'action_required' | 'skipped';

/** Markdown shown on the check's page; summary and text are cut to GitHub's 65,535-character limit. */
export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
}

export interface NewCheck {
  name: string;
  headSha: string;
  /** The app's own reference, sent back with the check run's events ("Re-run"): which request it reports on. */
  externalId?: string;
  status: CheckStatus;
  output: CheckOutput;
}

export interface CheckUpdate {
  status?: CheckStatus;
  conclusion?: CheckConclusion; // GitHub marks the check completed when a conclusion is set
  output?: CheckOutput;
  /** Where the check's "Details" link goes: the MLflow run it reports on. */
  detailsUrl?: string;
}

export interface PullRequestInfo {
  number: number;
  headSha: string;
  headRef: string;
  baseRef: string;
  headRepoFullName: string | null; // null when the head repository (a fork) was deleted
  isFork: boolean; // head lives in another repository, or in one that no longer exists
  state: 'open' | 'closed';
  merged: boolean;
}

/** One change to a branch as GitHub recorded it (repository activity): the commit it left and when, by GitHub's clock. */
export interface BranchPush {
  after: string; // the branch's commit after the change
  at: string; // ISO time GitHub recorded it
  type: string; // push, force_push, branch_creation, branch_deletion, …
}

/** An issue or pull-request comment as GitHub holds it now. */
export interface IssueComment {
  id: number;
  body: string;
  author: { login: string; type: string };
  createdAt: string;
  updatedAt: string;
}

export interface GitHubPort {
  /** Adds a reaction to an issue or pull-request comment. */
  react(commentId: number, content: Reaction): Promise<void>;
  /** Creates or updates trainbot's one living comment for `key` on the issue; returns its id. */
  upsertComment(issueNumber: number, key: string, body: string): Promise<number>;
  /** An issue or pull-request comment by id; throws GitHubError (404 when it was deleted). */
  comment(commentId: number): Promise<IssueComment>;
  /** Posts a new comment; returns its id. */
  createComment(issueNumber: number, body: string): Promise<number>;
  createCheck(check: NewCheck): Promise<number>;
  updateCheck(id: number, update: CheckUpdate): Promise<void>;
  /**
   * The check run named `name` on `headSha` whose external_id is `externalId`, if GitHub has one: how the
   * reconciler finds a check run GitHub created whose answer never reached the bot that asked.
   */
  findCheck?(headSha: string, name: string, externalId: string): Promise<number | undefined>;
  /** The user's effective permission on the repository; throws GitHubError when GitHub cannot say. */
  permission(username: string): Promise<RepoPermission>;
  pullRequest(number: number): Promise<PullRequestInfo>;
  /**
   * The latest changes to `branch` of `repoFullName` (owner/name), newest first: one page of GitHub's repository
   * activity (up to 100). PR code cannot fake these times, unlike git's committer dates.
   */
  branchPushes(repoFullName: string, branch: string): Promise<BranchPush[]>;
  /** The text of `.github/trainbot.yml` at `ref`, or undefined when the file does not exist there. */
  readConfig(ref: string): Promise<string | undefined>;
}

/** A GitHub request that failed; `message` is one sentence safe to post, `status` the HTTP status if any. */
export class GitHubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GitHubError';
  }
}
