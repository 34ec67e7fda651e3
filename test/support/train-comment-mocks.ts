// GitHub's side of a `/train` comment on PR #1 of the webhook examples' repository, mocked with nock and
// checked against GitHub's REST description (mockGitHub). Shared by the app's integration tests.
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TrainbotConfig } from '../../src/config/config-types.js';
import { executeRuns } from '../../src/pipeline/execute-runs.js';
import type { Tracking } from '../../src/tracking/tracking.js';
import { planBaseline } from '../../src/runs/plan.js';
import type { Runner } from '../../src/runners/runner.js';
import { REPO, mockGitHub } from './github-api.js';
import { issueCommentEvent } from './github-events.js';
import { experimentName } from '../../src/tracking/experiment-names.js';
export { reportBody, reportFooter } from './report-parts.js';

export const FULL_NAME = `${REPO.owner}/${REPO.repo}`;
export const COMMENT_ID = issueCommentEvent({ body: '' }).payload.comment.id;
export const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
export const BASE_SHA = '1f1b3c9e0c6a4c0f9d6a5b2e8f7d3c1a0b9e8d7c';
const BOT = { login: 'trainbot[bot]', type: 'Bot' };

/** The repository's own config, with its own experiment and the MLflow URL the containers reach. */
export function testConfigText(experiment: string, trackingUri: string): string {
  return readFileSync(resolve(import.meta.dirname, '../../.github/trainbot.yml'), 'utf8')
    .replace(/^experiment: .*$/m, `experiment: ${experiment}`)
    .replace(/^tracking_uri: .*$/m, `tracking_uri: ${trackingUri}`);
}

/** The reads every command makes: the PR (head sha recorded here), the base branch's config, the permission. */
interface PullEdit {
  number: number;
  state: string;
  head: { sha: string; ref: string; repo: { full_name: string } };
  base: { ref: string; repo: { full_name: string } };
}

export function mockPrelude(
  configText: string,
  options: { permission?: string; forkOf?: string; permissionStatus?: number; asking?: string } = {},
): void {
  mockPullAndConfig(configText, options);
  if (options.forkOf) return;
  const permission = mockGitHub('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', {
    params: { username: options.asking ?? 'Codertocat' },
  });
  if (options.permissionStatus) permission.reply(options.permissionStatus, { message: 'Server Error' });
  else
    permission.replyWithExample(200, (p: { permission: string; role_name: string }) => {
      p.permission = options.permission ?? 'write';
      p.role_name = options.permission ?? 'write';
    });
}

/** The PR and the base branch's config: what the reconciler reads again to finish a request. */
export function mockPullAndConfig(configText: string, options: { forkOf?: string } = {}): void {
  mockGitHub('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', { params: { pull_number: 1 } }).replyWithExample(
    200,
    (pr: PullEdit) => {
      pr.number = 1;
      pr.state = 'open';
      pr.head.sha = HEAD_SHA;
      pr.head.ref = 'tune-alpha';
      pr.base.ref = 'main';
      pr.base.repo.full_name = FULL_NAME;
      pr.head.repo.full_name = options.forkOf ?? FULL_NAME;
    },
  );
  mockGitHub('GET', '/repos/{owner}/{repo}/contents/{path}', {
    params: { path: '.github/trainbot.yml' },
    query: { ref: 'main' },
  }).replyWithExample(200, (file: { type: string; encoding: string; content: string }) => {
    file.type = 'file';
    file.encoding = 'base64';
    file.content = Buffer.from(configText).toString('base64');
  });
}

/** The example comment's created_at (@octokit/webhooks-examples), the time the head is pinned to. */
export const COMMENT_AT = issueCommentEvent({ body: '' }).payload.comment.created_at;

/**
 * GitHub's activity for the head branch, newest first: by default one push that left HEAD_SHA an hour before the
 * comment. `pushes` replaces it: [sha, ISO time, activity type].
 */
export function mockHeadPushes(
  pushes: Array<[string, string, string]> = [
    [HEAD_SHA, new Date(Date.parse(COMMENT_AT) - 3_600_000).toISOString().replace('.000Z', 'Z'), 'push'],
  ],
): void {
  type Activity = { after: string; timestamp: string; activity_type: string; ref: string };
  mockGitHub('GET', '/repos/{owner}/{repo}/activity', {
    query: { ref: 'refs/heads/tune-alpha', direction: 'desc', per_page: 100 },
  })
    // GitHub's example predates the `timestamp` and `activity_type` fields its own schema requires.
    .replyWithExample(200, (items: Activity[]) =>
      pushes.map(([after, timestamp, type]) => ({
        ...(items[0] as Activity),
        ref: 'refs/heads/tune-alpha',
        after,
        timestamp,
        activity_type: type,
      })),
    );
}

// nock 15 hands a reply function the request itself (a fetch Request).
const bodyOf = async (request: Request) => ((await request.json()) as { body: string }).body;

/** A comment the bot posts as a plain answer; resolves to the body it was given. */
export function expectAnswer(): Promise<string> {
  return new Promise((resolveBody) => {
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', { params: { issue_number: 1 } }).reply(
      201,
      async (request: Request) => {
        const body = await bodyOf(request);
        resolveBody(body);
        return { id: 9001, body, user: BOT };
      },
    );
  });
}

export interface TrainFlow {
  comments: string[]; // every version of the living comment, in order
  check: () => { conclusion?: string; output?: { title: string; summary: string } } | undefined;
}

/**
 * A command that runs: the head branch's pushes (HEAD_SHA, before the comment), 👀, the check run in progress, the living comment (created, then found by its marker
 * and updated `updates` times), 🚀, the check run concluded, and 😕 when `confused`.
 */
export function mockTrainFlow(options: { updates: number; confused?: boolean }): TrainFlow {
  return mockTrainFlowFor(COMMENT_ID, options);
}

/** mockTrainFlow for another comment of the same pull request. */
export function mockTrainFlowFor(
  commentId: number,
  options: { updates: number; confused?: boolean; rerun?: boolean } = { updates: 3 },
): TrainFlow {
  const COMMENT_ID = commentId;
  const comments: string[] = [];
  let check: ReturnType<TrainFlow['check']>;
  const reaction = (content: string) =>
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      params: { comment_id: COMMENT_ID },
      body: { content },
    }).reply(201, {});
  if (!options.rerun) mockHeadPushes(); // a re-run trains the sha its check ran on, not the head at a comment's time
  reaction('eyes');
  mockGitHub('POST', '/repos/{owner}/{repo}/check-runs', {
    // external_id leads a "Re-run" back to this comment (src/pipeline/on-check-rerequested.ts)
    body: {
      name: 'trainbot',
      head_sha: HEAD_SHA,
      external_id: `train:1:${COMMENT_ID}`,
      status: 'in_progress',
      output: { title: 'Training', summary: 'Requested by @Codertocat for `ec26c3e`.' },
    },
  }).reply(201, { id: 77 });
  mockGitHub('GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', {
    params: { issue_number: 1 },
    query: { per_page: 100 },
  })
    .times(options.updates + 1)
    .reply(200, () => (comments.length ? [{ id: 500, body: comments.at(-1), user: BOT }] : []));
  mockGitHub('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', { params: { issue_number: 1 } }).reply(
    201,
    async (request: Request) => {
      comments.push(await bodyOf(request));
      return { id: 500 };
    },
  );
  mockGitHub('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', { params: { comment_id: 500 } })
    .times(options.updates)
    .reply(200, async (request: Request) => {
      comments.push(await bodyOf(request));
      return { id: 500 };
    });
  reaction('rocket');
  mockGitHub('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', { params: { check_run_id: 77 } }).reply(
    200,
    async (request: Request) => {
      check = (await request.json()) as typeof check;
      return { id: 77 };
    },
  );
  if (options.confused) reaction('confused');
  return { comments, check: () => check };
}

/**
 * The final comment for `/train alpha=0.1` against the default baseline trained on BASE_SHA just before:
 * train.py is deterministic (seed 42), so the metrics are exact.
 */
/** The report of /train alpha=0.1 above its footer (reportBody). */
export function alphaPointOneReport(runName: string | undefined): string {
  return [
    '### trainbot: alpha=0.1 vs baseline',
    '',
    '| Metric             | Baseline | This run |       Δ | Verdict   |',
    '| :----------------- | -------: | -------: | ------: | :-------- |',
    '| **rmse** (primary) |   0.7436 |   0.6916 | −0.0520 | ✅ better |',
    '| mae                |   0.6043 |   0.5514 | −0.0529 | ✅ better |',
    '| r2                 |   0.1060 |   0.2267 | +0.1207 | ✅ better |',
    '',
    `Run \`${runName}\` with \`alpha=0.1 l1_ratio=0.5 seed=42\`.`,
    'Commit `ec26c3e` compared with the baseline `1f1b3c9` on `main`, trained just now.',
  ].join('\n');
}

/** Trains main's baseline (default params, BASE_SHA) through the bot's own code path; returns when it started. */
export async function seedBaseline(tracking: Tracking, runner: Runner, config: TrainbotConfig): Promise<number> {
  const experimentId = await tracking.ensureExperiment(experimentName(config, 'baseline'));
  const started = Date.now();
  const [baseline] = await executeRuns({
    plans: [planBaseline(config)],
    config,
    experimentId,
    tracking,
    runner,
    origin: { repo: FULL_NAME, sha: BASE_SHA, branch: 'main', request: 'seed', role: 'baseline' },
  });
  // The whole result, so a failure shows its reason.
  expect(baseline).toMatchObject({ state: 'finished' });
  return started;
}
