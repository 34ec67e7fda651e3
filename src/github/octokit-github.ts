// The GitHubPort adapter over Probot's authenticated Octokit (`context.octokit.rest.*`), bound to one
// repository. It only maps calls and errors: what to post is decided upstream.
import type { Context, ProbotOctokit } from 'probot';
import { permissionFromResponse, type RepoPermission } from '../auth/permission-level.js';
import { CONFIG_PATH } from '../config/load-config.js';
import { hasMarker, markedBody } from './comment-marker.js';
import { COMMENT_BODY_LIMIT, CHECK_OUTPUT_LIMIT, truncateText } from './github-limits.js';
import {
  GitHubError,
  type BranchPush,
  type CheckOutput,
  type CheckUpdate,
  type GitHubPort,
  type IssueComment,
  type NewCheck,
  type PullRequestInfo,
  type Reaction,
} from './github-port.js';

/**
 * For calls that create something (a comment, a check run): after a 5xx GitHub may have created it anyway, so
 * plugin-retry does not repeat them (a second comment or check run would stay). A rate limit is still waited
 * out (src/github/trainbot-octokit.ts): GitHub refused that request, so nothing was made.
 */
const ONCE_ON_5XX = { retries: 0 };

export interface RepoRef {
  owner: string;
  repo: string;
  /**
   * The login trainbot comments as (`my-app[bot]`, or `github-actions[bot]` in a workflow). When unknown,
   * any bot's comment with the marker counts: people cannot post as a bot, so a pasted marker is never taken.
   */
  botLogin?: string;
}

export class OctokitGitHub implements GitHubPort {
  constructor(
    private readonly octokit: ProbotOctokit,
    private readonly ref: RepoRef,
  ) {}

  /** The adapter for the repository a webhook event came from, authenticated as the event's installation. */
  static fromContext(context: Context, botLogin?: string): OctokitGitHub {
    const { owner, repo } = context.repo();
    return new OctokitGitHub(context.octokit, { owner, repo, ...(botLogin ? { botLogin } : {}) });
  }

  async react(commentId: number, content: Reaction): Promise<void> {
    await this.call(`add a reaction to comment ${commentId}`, () =>
      this.octokit.rest.reactions.createForIssueComment({ ...this.repo(), comment_id: commentId, content }),
    );
  }

  async upsertComment(issueNumber: number, key: string, body: string): Promise<number> {
    const marked = markedBody(key, body);
    const existing = await this.findMarkedComment(issueNumber, key);
    if (existing !== undefined) {
      await this.call(`update comment ${existing}`, () =>
        this.octokit.rest.issues.updateComment({ ...this.repo(), comment_id: existing, body: marked }),
      );
      return existing;
    }
    return this.postComment(issueNumber, marked);
  }

  async comment(commentId: number): Promise<IssueComment> {
    const { data } = await this.call(`read comment ${commentId}`, () =>
      this.octokit.rest.issues.getComment({ ...this.repo(), comment_id: commentId }),
    );
    return {
      id: data.id,
      body: data.body ?? '',
      createdAt: data.created_at,
      updatedAt: data.updated_at,
      author: { login: data.user?.login ?? '', type: data.user?.type ?? 'User' },
    };
  }

  createComment(issueNumber: number, body: string): Promise<number> {
    return this.postComment(issueNumber, truncateText(body, COMMENT_BODY_LIMIT));
  }

  async createCheck(check: NewCheck): Promise<number> {
    const { data } = await this.call(`create the check run "${check.name}"`, () =>
      this.octokit.rest.checks.create({
        ...this.repo(),
        name: check.name,
        head_sha: check.headSha,
        ...(check.externalId ? { external_id: check.externalId } : {}),
        status: check.status,
        output: fitOutput(check.output),
        request: ONCE_ON_5XX,
      }),
    );
    return data.id;
  }

  async updateCheck(id: number, update: CheckUpdate): Promise<void> {
    await this.call(`update check run ${id}`, () =>
      this.octokit.rest.checks.update({
        ...this.repo(),
        check_run_id: id,
        ...(update.status ? { status: update.status } : {}),
        ...(update.conclusion ? { conclusion: update.conclusion } : {}),
        ...(update.output ? { output: fitOutput(update.output) } : {}),
        ...(update.detailsUrl ? { details_url: update.detailsUrl } : {}),
      }),
    );
  }

  async findCheck(headSha: string, name: string, externalId: string): Promise<number | undefined> {
    // One page: a commit carries a handful of trainbot check runs, one per request on it.
    const { data } = await this.call(`list the check runs "${name}" of ${headSha.slice(0, 7)}`, () =>
      this.octokit.rest.checks.listForRef({ ...this.repo(), ref: headSha, check_name: name, per_page: 100 }),
    );
    return data.check_runs.find((run) => run.external_id === externalId)?.id;
  }

  async permission(username: string): Promise<RepoPermission> {
    const { data } = await this.call(`look up ${username}'s permission`, () =>
      this.octokit.rest.repos.getCollaboratorPermissionLevel({ ...this.repo(), username }),
    );
    return permissionFromResponse(data);
  }

  async pullRequest(number: number): Promise<PullRequestInfo> {
    const { data } = await this.call(`read pull request #${number}`, () =>
      this.octokit.rest.pulls.get({ ...this.repo(), pull_number: number }),
    );
    const headRepo = data.head.repo?.full_name ?? null;
    return {
      number: data.number,
      headSha: data.head.sha,
      headRef: data.head.ref,
      baseRef: data.base.ref,
      headRepoFullName: headRepo,
      isFork: headRepo !== data.base.repo.full_name,
      state: data.state === 'open' ? 'open' : 'closed',
      merged: data.merged,
    };
  }

  async branchPushes(repoFullName: string, branch: string): Promise<BranchPush[]> {
    const [owner = '', repo = ''] = repoFullName.split('/');
    const { data } = await this.call(`list the pushes to ${branch} of ${repoFullName}`, () =>
      this.octokit.rest.repos.listActivities({
        owner,
        repo,
        ref: `refs/heads/${branch}`,
        direction: 'desc',
        per_page: 100,
      }),
    );
    return data.map((a) => ({ after: a.after, at: a.timestamp, type: a.activity_type }));
  }

  async readConfig(ref: string): Promise<string | undefined> {
    let data;
    try {
      ({ data } = await this.octokit.rest.repos.getContent({ ...this.repo(), path: CONFIG_PATH, ref }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw failure(`read ${CONFIG_PATH} at ${ref}`, error);
    }
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
      throw new GitHubError(`${CONFIG_PATH} at ${ref} is not a regular file; make it a YAML file.`);
    }
    if (data.encoding !== 'base64') {
      // The contents API leaves `content` empty for files over 1 MB.
      throw new GitHubError(`${CONFIG_PATH} at ${ref} is too large for the contents API (over 1 MB); keep it small.`);
    }
    return Buffer.from(data.content, 'base64').toString('utf8');
  }

  private repo(): { owner: string; repo: string } {
    return { owner: this.ref.owner, repo: this.ref.repo };
  }

  private async postComment(issueNumber: number, body: string): Promise<number> {
    const { data } = await this.call(`comment on #${issueNumber}`, () =>
      this.octokit.rest.issues.createComment({ ...this.repo(), issue_number: issueNumber, body, request: ONCE_ON_5XX }),
    );
    return data.id;
  }

  /** The first comment trainbot wrote with the marker for `key`, reading the issue page by page. */
  private async findMarkedComment(issueNumber: number, key: string): Promise<number | undefined> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listComments, {
      ...this.repo(),
      issue_number: issueNumber,
      per_page: 100,
    });
    try {
      for await (const { data } of pages) {
        const mine = data.find((c) => this.isOwn(c.user) && hasMarker(c.body, key));
        if (mine) return mine.id;
      }
    } catch (error) {
      throw failure(`list the comments of #${issueNumber}`, error);
    }
    return undefined;
  }

  private isOwn(user: { login: string; type: string } | null): boolean {
    if (!user) return false;
    return this.ref.botLogin ? user.login === this.ref.botLogin : user.type === 'Bot';
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw failure(what, error);
    }
  }
}

function fitOutput(output: CheckOutput): CheckOutput {
  return {
    title: output.title,
    summary: truncateText(output.summary, CHECK_OUTPUT_LIMIT),
    ...(output.text !== undefined ? { text: truncateText(output.text, CHECK_OUTPUT_LIMIT) } : {}),
  };
}

/** GitHub's HTTP status, or undefined when no answer came: Octokit reports a failed connection as 500 without a response. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { response?: { status?: unknown } } | null)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** One sentence naming what trainbot tried and how GitHub answered; the original error stays as `cause`. */
function failure(what: string, error: unknown): GitHubError {
  const status = statusOf(error);
  const answer = status === undefined ? 'the request did not reach GitHub' : `GitHub answered HTTP ${status}`;
  return new GitHubError(`trainbot could not ${what} (${answer}).`, status, { cause: error });
}
