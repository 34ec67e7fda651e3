// A `/train` comment through the whole Probot app: real webhook payloads, GitHub mocked with nock (every
// route checked against GitHub's REST description), the real MLflow server of the harness, and the real
// training/train.py started by LocalRunner (the Kubernetes variant of this story is kubernetes-e2e.test.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { resolve } from 'node:path';
import nock from 'nock';
import { createApp } from '../../../src/index.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { renderHelp } from '../../../src/commands/help.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { LocalRunner } from '../../../src/runners/local/local-runner.js';
import { findPullRequestRuns, findRequestRuns } from '../../../src/tracking/run-queries.js';
import { useGitHubApi } from '../../support/github-api.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { testProbot } from '../../support/github-probot.js';
import { botTracking } from '../../support/mlflow-tracking.js';
import {
  COMMENT_AT,
  COMMENT_ID,
  FULL_NAME,
  HEAD_SHA,
  expectAnswer,
  mockHeadPushes,
  mockPrelude,
  mockTrainFlow,
  testConfigText,
  alphaPointOneReport,
  reportBody,
  seedBaseline,
} from '../../support/train-comment-mocks.js';

const root = resolve(import.meta.dirname, '../../..');
const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );

const experiment = `app-e2e-${Date.now()}`;
const configText = testConfigText(experiment, trackingUri);
const config = (parseConfig(configText) as { ok: true; config: TrainbotConfig }).config;
const tracking = botTracking();
const runner = new LocalRunner({ workdir: resolve(root, 'training') });
let baselineStart = 0;

useGitHubApi();

async function receive(
  body: string,
  options: Parameters<typeof issueCommentEvent>[0] extends infer O ? Partial<O> : never = {},
) {
  const probot = await testProbot(
    createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0, now: () => baselineStart + 1000 }),
  );
  const event = issueCommentEvent({ body, ...options });
  await probot.receive(event);
  return event;
}

beforeAll(async () => {
  // A real baseline on main: train.py with the default params, tagged by the bot's own code path.
  baselineStart = await seedBaseline(tracking, runner, config);
}, 120_000);

afterAll(() => runner.active({}).then((handles) => Promise.all(handles.map((h) => runner.cancel(h)))));

describe('/train on a pull request', () => {
  it('acknowledges, trains the head sha, moves the living comment through queued → running → done and concludes the check', async () => {
    mockPrelude(configText);
    const { comments, check } = mockTrainFlow({ updates: 3 });

    await receive('Looks good. Let us try a smaller penalty:\n\n/train alpha=0.1\n');

    const name = 'trainbot-pr1-' + comments[0]?.match(/trainbot-pr1-([0-9a-f]{12})/)?.[1];
    expect(comments.map((c) => c.split('\n')[0])).toEqual(Array(4).fill(`<!-- trainbot:train-${COMMENT_ID} -->`));
    expect(comments[0]).toContain('⏳ queued');
    expect(comments[1]).toContain('🏃 running');
    const final = reportBody(comments[3]?.split('\n').slice(1).join('\n') ?? '');
    expect(final).toBe(alphaPointOneReport(name));
    expect(check()?.conclusion).toBe('success');
    expect(check()?.output?.title).toBe('1 of 1 run finished');

    // The MLflow run carries the bot's tags with the sha recorded when the command arrived.
    const experimentId = await tracking.ensureExperiment(experiment);
    const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(COMMENT_ID) });
    expect(runs).toHaveLength(1);
    expect(runs[0]?.info.status).toBe('FINISHED');
    expect(runs[0]?.tags).toMatchObject({
      'trainbot.pr': '1',
      'trainbot.sha': HEAD_SHA,
      'trainbot.role': 'candidate',
      'trainbot.branch': 'tune-alpha',
      'mlflow.source.git.commit': HEAD_SHA,
    });
    expect(runs[0]?.params).toMatchObject({ alpha: '0.1' });
  }, 120_000);

  it('starts nothing when the branch was force-pushed after the comment, and asks for a new comment', async () => {
    mockPrelude(configText);
    const later = new Date(Date.parse(COMMENT_AT) + 90_000).toISOString().replace('.000Z', 'Z');
    mockHeadPushes([
      [HEAD_SHA, later, 'force_push'],
      ['9'.repeat(40), COMMENT_AT.replace(/:\d\dZ$/, ':00Z'), 'push'],
    ]);
    const answer = expectAnswer();
    // Another comment than the one the first test trained, so it is not taken for a redelivery.
    const event = issueCommentEvent({ body: '/train alpha=0.3' });
    event.payload.comment.id = COMMENT_ID + 10;
    await (await testProbot(createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0 }))).receive(event);
    expect(await answer).toBe(
      'The head of `tune-alpha` moved to `ec26c3e` after your comment, so trainbot started nothing: comment your `/train` command again to train the current head.',
    );
    const experimentId = await tracking.ensureExperiment(experiment);
    const { runs } = await findPullRequestRuns(tracking, { experimentId, repo: FULL_NAME, pr: 1 });
    expect(runs.filter((r) => r.params.alpha === '0.3')).toEqual([]);
  });

  it('never starts a second run for a redelivered comment', async () => {
    // GitHub would accept everything a second handling does, so only the guard can stop one: without it this
    // delivery reacts, opens a check run and trains a second run, and the assertions below fail.
    mockPrelude(configText);
    mockTrainFlow({ updates: 3 });
    await receive('/train alpha=0.1');
    const experimentId = await tracking.ensureExperiment(experiment);
    const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(COMMENT_ID) });
    expect(runs).toHaveLength(1);
    const untouched = nock.pendingMocks();
    nock.cleanAll();
    expect(untouched).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^POST https:\/\/api\.github\.com:443\/repos\/Codertocat\/Hello-World\/issues\/comments\/\d+\/reactions$/,
        ),
        'POST https://api.github.com:443/repos/Codertocat/Hello-World/check-runs',
      ]),
    );
  }, 120_000);
});

describe('/train refusals and answers', () => {
  it('answers a commenter without write permission, and starts nothing', async () => {
    mockPrelude(configText, { permission: 'read' });
    const answer = expectAnswer();
    await receive('/train alpha=0.2');
    expect(await answer).toBe(
      '@Codertocat has `read` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    );
  });

  it('fails closed when the permission lookup fails', async () => {
    mockPrelude(configText, { permissionStatus: 500 });
    const answer = expectAnswer();
    await receive('/train alpha=0.2');
    expect(await answer).toMatch(
      /^@Codertocat's permission on this repository could not be checked \(.+\), so nothing was started; try the command again later\.$/,
    );
  });

  it('refuses a pull request from a fork', async () => {
    mockPrelude(configText, { forkOf: 'mallory/Hello-World' });
    const answer = expectAnswer();
    await receive('/train alpha=0.2');
    expect(await answer).toBe(
      "This pull request comes from the fork mallory/Hello-World, and trainbot does not run fork code next to the cluster's credentials; push the branch to this repository, or set `forks: allow` in .github/trainbot.yml to accept the risk.",
    );
  });

  it.each([
    ['an edited comment', '/train alpha=0.2', { action: 'edited' as const }],
    [
      "a bot's comment (trainbot's own included)",
      '/train alpha=0.2',
      { author: { login: 'trainbot[bot]', type: 'Bot' as const } },
    ],
    ['a comment on a plain issue', '/train alpha=0.2', { onPullRequest: false }],
    ['a quoted command', '> /train alpha=0.2\n\nWhat does this do?', {}],
    ['a fenced command', '```\n/train alpha=0.2\n```', {}],
  ])('ignores %s without calling GitHub', async (_name, body, options) => {
    // No mocks: any GitHub request would fail the test through nock's disabled net connect.
    await receive(body, options);
  });

  it('refuses a shell injection attempt as a usage error about its first wrong word', async () => {
    mockPrelude(configText);
    const answer = expectAnswer();
    await receive('/train alpha=1;rm -rf /');
    expect(await answer).toBe(
      '`alpha`=1;rm is not a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`. Comment `/train help` to see the parameters and their ranges.',
    );
  });

  it('refuses a 1,000-run grid without starting anything', async () => {
    mockPrelude(configText);
    const answer = expectAnswer();
    const ten = (from: number) => Array.from({ length: 10 }, (_, i) => (from + i / 10).toFixed(1)).join(',');
    await receive(
      `/train alpha=${ten(0)} l1_ratio=${Array.from({ length: 10 }, (_, i) => (i / 10).toFixed(1)).join(',')} seed=${Array.from({ length: 10 }, (_, i) => i).join(',')}`,
    );
    expect(await answer).toBe(
      'This grid has 1,000 runs; this repository allows at most 20 per command (`limits.max_runs` in `.github/trainbot.yml`). Use fewer values, or split the grid over several commands.',
    );
  });

  it('answers `/train help` in a 60 kB comment with the params from the config', async () => {
    mockPrelude(configText);
    const answer = expectAnswer();
    await receive(`/train help\n\n${'Long review notes. '.repeat(3200)}`);
    expect(await answer).toBe(renderHelp(config));
  });
});
