// The merge flow through the Probot app with GitHub's real `pull_request.closed` payloads: the final report
// reads the PR's runs and baselines from the real MLflow, and the baseline refresh runs on the merge commit.
// Runs "train" through MetricRunner (metrics logged over MLflow's REST API in milliseconds).
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../../src/index.js';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { executeRuns } from '../../../src/pipeline/execute-runs.js';
import { planBaseline, planRuns } from '../../../src/runs/plan.js';
import { RUN_TAGS } from '../../../src/runs/run-contract.js';
import { withSigningKey } from '../../../src/runs/run-signature.js';
import type { Tracking } from '../../../src/tracking/tracking.js';
import { baselineFilter } from '../../../src/tracking/run-queries.js';
import { pullRequestClosedEvent } from '../../support/github-events.js';
import { mockGitHub, useGitHubApi } from '../../support/github-api.js';
import { testProbot } from '../../support/github-probot.js';
import { REPO_ROOT } from '../../support/run-action.js';
import { MetricRunner, fakeMetrics } from './metric-runner.js';
import { botTracking, mlflowHeaders } from '../../support/mlflow-tracking.js';
import { type RoleExperiments, ensureRoleExperiments } from '../../../src/tracking/role-experiments.js';

useGitHubApi();
const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );

const REPO = 'Codertocat/Hello-World';
const MERGE_SHA = 'c4295bd74fb0f4fda03689c3df3f2803b658fd85'; // merge_commit_sha of the example payload
const COMMENTS = '/repos/{owner}/{repo}/issues/{issue_number}/comments';
const tracking = botTracking();
let configText: string;
let config: TrainbotConfig;
let runner: MetricRunner;

beforeEach(() => {
  // Its own experiment per test; the example repository's base branch is master.
  configText = readFileSync(join(REPO_ROOT, '.github/trainbot.yml'), 'utf8')
    .replace(/^experiment: .*$/m, `experiment: merge-report-${Date.now()}`)
    .replace(/^baseline_branch: .*$/m, 'baseline_branch: master');
  const loaded = parseConfig(configText);
  if (!loaded.ok) throw new Error(loaded.errors.join(' '));
  config = loaded.config;
  runner = new MetricRunner({ trackingUri, delayMs: 20, failWhen: (p) => p.alpha === 1 && p.l1_ratio === 0.8 });
});

function mockConfig(): void {
  mockGitHub('GET', '/repos/{owner}/{repo}/contents/{path}', {
    params: { path: '.github/trainbot.yml' },
    query: { ref: 'master' },
  }).replyWithExample(200, (file: Record<string, unknown>) => ({
    ...file,
    type: 'file',
    encoding: 'base64',
    content: Buffer.from(configText).toString('base64'),
  }));
}

/** nock 15 hands a reply function the request (a fetch Request). */
const bodyOf = async (request: Request): Promise<string> => ((await request.json()) as { body: string }).body;

/** The living comment: created once, then found by its marker and updated; every body is recorded. */
function mockLivingComment(bodies: string[]): void {
  mockGitHub('GET', COMMENTS, { params: { issue_number: 2 }, query: { per_page: 100 } }).reply(200, []);
  mockGitHub('POST', COMMENTS, { params: { issue_number: 2 } }).reply(201, async (request: Request) => {
    bodies.push(await bodyOf(request));
    return { id: 901 };
  });
  mockGitHub('GET', COMMENTS, { params: { issue_number: 2 }, query: { per_page: 100 } }).reply(200, () => [
    { id: 901, body: bodies[0], user: { login: 'trainbot[bot]', type: 'Bot' } },
  ]);
  mockGitHub('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', { params: { comment_id: 901 } }).reply(
    200,
    async (request: Request) => {
      bodies.push(await bodyOf(request));
      return { id: 901 };
    },
  );
}

async function seed(experiments: RoleExperiments, port: Tracking = tracking): Promise<void> {
  await executeRuns({
    plans: [planBaseline(config)],
    config,
    tracking: port,
    runner,
    experimentId: experiments.baselines,
    origin: { repo: REPO, sha: 'a'.repeat(40), branch: 'master', request: 'seed-baseline', role: 'baseline' },
  });
  const plan = planRuns({ alpha: ['0.1', '1'], l1_ratio: ['0.2', '0.8'] }, config);
  if (!plan.ok) throw new Error(plan.message);
  await executeRuns({
    plans: plan.runs,
    config,
    tracking: port,
    runner,
    experimentId: experiments.candidates,
    origin: { repo: REPO, pr: 2, sha: 'b'.repeat(40), branch: 'changes', request: 'comment-1', role: 'candidate' },
  });
}

/** The commits and values of the trend's Mermaid line chart, read back from the comment's lines. */
function trendChart(lines: readonly string[]): { commits: string[]; rmse: string[] } {
  const axis = lines.find((l) => l.startsWith('    x-axis "commit" ['));
  const line = lines.find((l) => l.startsWith('    line ['));
  return {
    commits: [...(axis ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1] as string).slice(1),
    rmse: (line ?? '').replace(/^ {4}line \[|\]$/g, '').split(', '),
  };
}

describe('pull_request.closed', () => {
  it('on merge posts one final report (best run vs its baseline, all runs) and appends the refreshed baseline', async () => {
    const experiments = await ensureRoleExperiments(tracking, config);
    await seed(experiments);
    mockConfig();
    const bodies: string[] = [];
    mockLivingComment(bodies);
    const probot = await testProbot(createApp({ tracking, runnerFor: () => runner, uiUrl: 'http://mlflow.test' }));
    const before = tracking.requests;

    await probot.receive(pullRequestClosedEvent({ merged: true }));
    const used = tracking.requests - before;

    const best = fakeMetrics({ alpha: 0.1, l1_ratio: 0.8, seed: 42 }).rmse;
    const base = fakeMetrics({ alpha: 0.5, l1_ratio: 0.5, seed: 42 }).rmse;
    const [first, withTrend] = bodies.map((b) => b.split('\n'));
    expect(bodies).toHaveLength(2);
    // The final comment draws the trend above the refresh: the seeded baseline, then the new one.
    const trendAt = withTrend?.indexOf('#### Trend of `master`') ?? -1;
    const refreshAt = withTrend?.indexOf('#### Baseline refresh') ?? -1;
    expect(trendAt).toBeGreaterThan(0);
    expect(first).not.toContain('#### Trend of `master`');
    expect(trendChart(withTrend ?? [])).toEqual({
      commits: ['aaaaaaa', MERGE_SHA.slice(0, 7)],
      rmse: [base.toFixed(4), base.toFixed(4)],
    });
    const final = withTrend?.filter((_, i) => i < trendAt || i >= refreshAt);
    expect(first?.slice(0, 5)).toEqual([
      '<!-- trainbot:merge-2 -->',
      '### trainbot: final report for #2',
      '',
      'Best of 4 runs:',
      '',
    ]);
    expect(first).toContain('#### alpha=0.1 l1\\_ratio=0.8 seed=42 vs baseline');
    expect(
      first
        ?.find((l) => l.startsWith('| **rmse** (primary)'))
        ?.split('|')
        .map((c) => c.trim())
        .slice(2, 6),
    ).toEqual([base.toFixed(4), best.toFixed(4), `−${(base - best).toFixed(4)}`, '✅ better']);
    expect(first).toContain('<details><summary>All 4 runs of this pull request</summary>');
    const list = first?.filter((l) => /^\d\. /.test(l)) ?? [];
    expect(list.map((l) => l.replace(/\[`[^`]+`\]\([^)]+\) /, ''))).toEqual([
      `1. \`alpha=0.1 l1_ratio=0.8 seed=42\`: rmse ${best.toFixed(4)}`,
      `2. \`alpha=0.1 l1_ratio=0.2 seed=42\`: rmse ${fakeMetrics({ alpha: 0.1, l1_ratio: 0.2 }).rmse.toFixed(4)}`,
      `3. \`alpha=1 l1_ratio=0.2 seed=42\`: rmse ${fakeMetrics({ alpha: 1, l1_ratio: 0.2 }).rmse.toFixed(4)}`,
      '4. `alpha=1 l1_ratio=0.8 seed=42`: failed: The run ended FAILED; its MLflow page has the details.',
    ]);
    expect(first?.at(-1)).toBe(
      '⏳ Training the new baseline of `master` on the merge commit `c4295bd` with the default params (`alpha=0.5 l1_ratio=0.5 seed=42`).',
    );
    // The same comment, with the refresh's result appended in place of the progress line.
    expect(final?.slice(0, first!.length - 1)).toEqual(first?.slice(0, -1));
    expect(final?.[first!.length - 1]).toBe('✅ New baseline of `master` on `c4295bd`:');
    expect(
      final
        ?.find((l) => l.startsWith('| **rmse** (primary)') && final.indexOf(l) > first!.length)
        ?.split('|')
        .map((c) => c.trim())
        .slice(2, 6),
    ).toEqual([base.toFixed(4), base.toFixed(4), '±0.0000', '➖ unchanged']);

    // The new baseline: role baseline, branch = base branch, sha = merge commit; it is what reports now find.
    const baselines = await tracking.searchRuns({
      experimentIds: [experiments.baselines],
      filter: `tags.\`${RUN_TAGS.request}\` = 'merge-2'`,
    });
    expect(
      baselines.runs.map((r) => [
        r.info.status,
        r.tags[RUN_TAGS.role],
        r.tags[RUN_TAGS.branch],
        r.tags[RUN_TAGS.sha],
        r.tags[RUN_TAGS.pr],
      ]),
    ).toEqual([['FINISHED', 'baseline', 'master', MERGE_SHA, undefined]]);
    // Reading the report: the two experiments, redelivery check, one paged search of the PR's runs, two baseline
    // lookups (each reads the baselines' experiment for a pointer, finds none yet and searches), moving the
    // pointer to the new baseline (read the run back, read the experiment, set its tag), one search for the
    // trend. The refresh itself (create run, read it back) comes on top; its own MLflow user is the users API's.
    expect(used).toBe(2 + 1 + 1 + 2 * 2 + 3 + 1 + 2);
  }, 60_000);

  it('charts the primary metric of the last trend_baselines baselines of the base branch, read in one request', async () => {
    configText = configText.replace(/^baseline_branch: .*$/m, '$&\ntrend_baselines: 3');
    const loaded = parseConfig(configText);
    if (!loaded.ok) throw new Error(loaded.errors.join(' '));
    config = loaded.config;
    const experiments = await ensureRoleExperiments(tracking, config);
    // Four older baselines of master scoring apart, oldest first; a baseline of another branch is not charted.
    const base = fakeMetrics({ alpha: 0.5, l1_ratio: 0.5, seed: 42 }).rmse;
    const older: [string, string, number][] = [
      ['1', 'master', 0.04],
      ['2', 'master', 0.03],
      ['3', 'master', 0.02],
      ['4', 'release', -0.3],
      ['5', 'master', 0.01],
    ];
    for (const [digit, branch, offset] of older) {
      runner.rmseOffset = offset;
      await executeRuns({
        plans: [planBaseline(config)],
        config,
        tracking,
        runner,
        experimentId: experiments.baselines,
        origin: { repo: REPO, sha: digit.repeat(40), branch, request: `seed-${digit}`, role: 'baseline' },
      });
    }
    runner.rmseOffset = -0.005; // the merge's refresh
    mockConfig();
    const bodies: string[] = [];
    mockLivingComment(bodies);
    const searches = jest.spyOn(tracking, 'searchRuns');
    const probot = await testProbot(createApp({ tracking, runnerFor: () => runner }));

    await probot.receive(pullRequestClosedEvent({ merged: true }));

    expect(trendChart(bodies.at(-1)?.split('\n') ?? [])).toEqual({
      commits: ['3333333', '5555555', MERGE_SHA.slice(0, 7)],
      rmse: [base + 0.02, base + 0.01, base - 0.005].map((v) => v.toFixed(4)),
    });
    expect(bodies.at(-1)).toContain('#### Trend of `master`');
    // One request for the trend: the only search asking for trend_baselines runs.
    const trendSearches = searches.mock.calls.filter(([q]) => q.maxResults === 3);
    searches.mockRestore();
    expect(trendSearches).toHaveLength(1);
    expect(trendSearches[0]?.[0]).toEqual({
      experimentIds: [experiments.baselines],
      filter: baselineFilter({
        experimentId: experiments.baselines,
        repo: REPO,
        branch: 'master',
        params: planBaseline(config).paramsKey,
      }),
      orderBy: ['attributes.start_time DESC'],
      maxResults: 3,
    });
  }, 60_000);

  it('with a signing key, does not rank a candidate whose metric was changed after it ended, and says what changed', async () => {
    const signed = withSigningKey(botTracking(), 'merge-report-signing-key-0123456789abcdef');
    const experiments = await ensureRoleExperiments(signed, config);
    await seed(experiments, signed);
    // PR code makes its worst finished run the best: MLflow serves the value of the highest step. (A candidate's
    // own user may write the other candidates of its experiment; the admin plays it here.)
    const worst = (
      await signed.searchRuns({
        experimentIds: [experiments.candidates],
        filter: `tags.\`${RUN_TAGS.params}\` = 'alpha=1 l1_ratio=0.2 seed=42'`,
      })
    ).runs[0];
    const response = await fetch(`${trackingUri}/api/2.0/mlflow/runs/log-metric`, {
      method: 'POST',
      headers: mlflowHeaders(),
      body: JSON.stringify({
        run_id: worst?.info.runId,
        key: 'rmse',
        value: 0.01,
        timestamp: Date.now(),
        step: 1_000_000,
      }),
    });
    expect(response.status).toBe(200);
    mockConfig();
    const bodies: string[] = [];
    mockLivingComment(bodies);
    const probot = await testProbot(createApp({ tracking: signed, runnerFor: () => runner }));

    await probot.receive(pullRequestClosedEvent({ merged: true }));

    const first = bodies[0]?.split('\n') ?? [];
    expect(first).toContain('#### alpha=0.1 l1\\_ratio=0.8 seed=42 vs baseline');
    expect(first).toContain('Commit `bbbbbbb` compared with the baseline `aaaaaaa` on `master`, trained just now.');
    const worstRmse = fakeMetrics({ alpha: 1, l1_ratio: 0.2 }).rmse.toFixed(4);
    expect(first.filter((l) => /^\d\. /.test(l)).map((l) => l.replace(/`[^`]+` /, ''))).toContain(
      `3. \`alpha=1 l1_ratio=0.2 seed=42\`: failed: This run was changed after trainbot recorded it (rmse ${worstRmse} → 0.0100), so it is not compared.`,
    );
  }, 60_000);

  it('ignores a redelivered merge: the baseline refresh of that merge already exists', async () => {
    const experimentId = (await ensureRoleExperiments(tracking, config)).baselines;
    await executeRuns({
      plans: [planBaseline(config)],
      config,
      tracking,
      runner,
      experimentId,
      origin: { repo: REPO, sha: MERGE_SHA, branch: 'master', request: 'merge-2', role: 'baseline' },
    });
    mockConfig();
    const probot = await testProbot(createApp({ tracking, runnerFor: () => runner }));
    await probot.receive(pullRequestClosedEvent({ merged: true }));
    expect(runner.runs.size).toBe(1);
  });

  it('closed without merging: starts nothing and cancels the runs still going, saying so', async () => {
    const experimentId = await tracking.ensureExperiment(config.experiment);
    const slow = new MetricRunner({ trackingUri, delayMs: 60_000 });
    const plan = planRuns({ alpha: ['0.1', '0.2'] }, config);
    if (!plan.ok) throw new Error(plan.message);
    const running = executeRuns({
      plans: plan.runs,
      config,
      tracking,
      runner: slow,
      experimentId,
      origin: { repo: REPO, pr: 2, sha: 'b'.repeat(40), branch: 'changes', request: 'comment-2', role: 'candidate' },
    });
    while ((await slow.active({})).length < 2) await new Promise((r) => setTimeout(r, 20));
    mockConfig();
    mockGitHub('POST', COMMENTS, {
      params: { issue_number: 2 },
      body: { body: 'This pull request was closed without merging, so trainbot cancelled its 2 running runs.' },
    }).reply(201, { id: 5 });
    const probot = await testProbot(createApp({ tracking, runnerFor: () => slow }));

    await probot.receive(pullRequestClosedEvent({ merged: false }));

    expect((await running).map((r) => [r.state, r.reason])).toEqual([
      ['cancelled', 'Cancelled on request.'],
      ['cancelled', 'Cancelled on request.'],
    ]);
    expect(slow.runs.size).toBe(2);
  }, 30_000);
});
