// Against the real MLflow + PostgreSQL that scripts/test.sh starts (MLFLOW_TRACKING_URI).
import { beforeAll, describe, expect, it } from '@jest/globals';
import { RUN_TAGS, originTags, type RunOrigin } from '../../../src/runs/run-contract.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { findBaseline, findPullRequestRuns, findRequestRuns } from '../../../src/tracking/run-queries.js';
import { TrackingError } from '../../../src/tracking/tracking-error.js';
import { mlflowHeaders } from '../../support/mlflow-tracking.js';

if (!process.env.MLFLOW_TRACKING_URI) {
  throw new Error(
    'MLFLOW_TRACKING_URI is not set; run these tests through scripts/test.sh, which starts MLflow and sets it.',
  );
}
const client = MlflowClient.fromEnv(process.env);
// A fresh experiment per test run, so runs left by an earlier run of the suite never match.
const unique = `${Date.now()}-${process.pid}`;
const REPO = 'acme/wine';
const PARAMS = 'alpha=0.5 l1_ratio=0.2';

function origin(overrides: Partial<RunOrigin> = {}): RunOrigin {
  return {
    repo: REPO,
    sha: 'a'.repeat(40),
    branch: 'main',
    request: 'req-1',
    role: 'baseline',
    params: PARAMS,
    ...overrides,
  };
}

async function finishedRun(experimentId: string, runName: string, startTime: number, tags: Record<string, string>) {
  const run = await client.createRun({ experimentId, runName, startTime, tags });
  await client.setTerminated(run.info.runId, 'FINISHED', startTime + 1000);
  return run.info.runId;
}

/** What training code does with mlflow.log_params: trainbot itself never logs params, so no client method. */
async function logParams(runId: string, params: Record<string, string>) {
  const response = await fetch(`${client.url}/api/2.0/mlflow/runs/log-batch`, {
    method: 'POST',
    headers: mlflowHeaders(),
    body: JSON.stringify({ run_id: runId, params: Object.entries(params).map(([key, value]) => ({ key, value })) }),
  });
  expect(response.status).toBe(200);
}

describe('MlflowClient against a real MLflow server', () => {
  it('ensureExperiment creates the experiment once and returns the same id the second time', async () => {
    const name = `trainbot-it-ensure-${unique}`;
    await expect(client.getExperimentByName(name)).resolves.toBeUndefined();

    const first = await client.ensureExperiment(name);
    const second = await client.ensureExperiment(name);

    expect(second).toBe(first);
    await expect(client.getExperimentByName(name)).resolves.toEqual({
      experimentId: first,
      name,
      lifecycleStage: 'active',
    });
  });

  it('creates a run with tags, adds tags, ends it and reads it back', async () => {
    const experimentId = await client.ensureExperiment(`trainbot-it-run-${unique}`);
    const tags = originTags(origin({ pr: 12, role: 'candidate' }));

    const created = await client.createRun({
      experimentId,
      runName: 'pr-12-alpha-0.5',
      startTime: 1_700_000_000_000,
      tags,
    });
    await client.setTags(created.info.runId, { 'trainbot.note': "it's `fine`", [RUN_TAGS.sha]: 'b'.repeat(40) });
    await client.setTerminated(created.info.runId, 'FAILED', 1_700_000_060_000);
    const run = await client.getRun(created.info.runId);

    expect(created.info.status).toBe('RUNNING');
    expect(run.info).toEqual({
      runId: created.info.runId,
      runName: 'pr-12-alpha-0.5',
      experimentId,
      status: 'FAILED',
      startTime: 1_700_000_000_000,
      endTime: 1_700_000_060_000,
    });
    expect(run.tags).toMatchObject({ ...tags, [RUN_TAGS.sha]: 'b'.repeat(40), 'trainbot.note': "it's `fine`" });
    expect(run.metrics).toEqual({});
    expect(run.params).toEqual({});
  });

  it("turns an unknown run into a TrackingError carrying MLflow's error code", async () => {
    const error = await client.getRun('0123456789abcdef0123456789abcdef').then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(TrackingError);
    expect((error as TrackingError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((error as TrackingError).message).toMatch(
      /^The MLflow server at http:\/\/127\.0\.0\.1:\d+ rejected reading run 0123456789abcdef0123456789abcdef \(RESOURCE_DOES_NOT_EXIST\): .+\.$/,
    );
  });
});

describe('run queries against a real MLflow server', () => {
  let experimentId = '';
  let expected = '';

  beforeAll(async () => {
    experimentId = await client.ensureExperiment(`trainbot-it-queries-${unique}`);
    await finishedRun(experimentId, 'older baseline', 1000, originTags(origin()));
    expected = await finishedRun(experimentId, 'newest finished baseline', 2000, originTags(origin()));
    // Each run below is newer than the expected baseline and differs from it in one way that must exclude it.
    await client.createRun({ experimentId, runName: 'running baseline', startTime: 3000, tags: originTags(origin()) });
    await finishedRun(experimentId, 'candidate', 4000, originTags(origin({ role: 'candidate', pr: 12 })));
    const untagged = await finishedRun(experimentId, 'logged by PR code', 5000, {
      'mlflow.source.git.commit': 'c'.repeat(40),
    });
    await logParams(untagged, { alpha: '0.5', l1_ratio: '0.2' });
    await finishedRun(experimentId, 'other branch', 6000, originTags(origin({ branch: 'feature' })));
    await finishedRun(experimentId, 'other params', 7000, originTags(origin({ params: 'alpha=0.1 l1_ratio=0.2' })));
    await finishedRun(experimentId, 'other repo', 8000, originTags(origin({ repo: 'acme/beer' })));
  });

  it('findBaseline picks the newest FINISHED bot baseline of that repo, branch and params', async () => {
    const requestsBefore = client.requests;

    const baseline = await findBaseline(client, { experimentId, repo: REPO, branch: 'main', params: PARAMS });

    expect(baseline?.info.runId).toBe(expected);
    expect(baseline?.info.runName).toBe('newest finished baseline');
    // No merge wrote this experiment's baseline pointer: the experiment is read, then one search answers.
    expect(client.requests - requestsBefore).toBe(2);
  });

  it('findBaseline returns undefined when no baseline matches', async () => {
    await expect(
      findBaseline(client, { experimentId, repo: REPO, branch: 'release', params: PARAMS }),
    ).resolves.toBeUndefined();
  });

  it('findBaseline matches a branch name with quotes and backticks exactly', async () => {
    const branch = "o'brien/`fix` AND x = 'y";
    const id = await finishedRun(experimentId, 'hostile branch', 9000, originTags(origin({ branch })));

    const baseline = await findBaseline(client, { experimentId, repo: REPO, branch, params: PARAMS });

    expect(baseline?.info.runId).toBe(id);
  });

  it('findPullRequestRuns and findRequestRuns return the bot-tagged runs of a PR and of a request', async () => {
    const exp = await client.ensureExperiment(`trainbot-it-pr-${unique}`);
    const ids: string[] = [];
    for (const [i, request] of ['c-1', 'c-1', 'c-2'].entries()) {
      ids.push(
        await finishedRun(exp, `pr run ${i}`, 100 + i, originTags(origin({ pr: 31, role: 'candidate', request }))),
      );
    }
    await finishedRun(exp, 'other pr', 200, originTags(origin({ pr: 32, role: 'candidate', request: 'c-1' })));

    const pr = await findPullRequestRuns(client, { experimentId: exp, repo: REPO, pr: 31 });
    const request = await findRequestRuns(client, { experimentId: exp, repo: REPO, request: 'c-1' });

    expect(pr.runs.map((r) => r.info.runId)).toEqual([ids[2], ids[1], ids[0]]);
    expect(request.runs.map((r) => r.info.runName)).toEqual(['other pr', 'pr run 1', 'pr run 0']);
  });

  it('searchRuns pages with next_page_token', async () => {
    const first = await client.searchRuns({
      experimentIds: [experimentId],
      orderBy: ['attributes.start_time ASC'],
      maxResults: 2,
    });
    const second = await client.searchRuns({
      experimentIds: [experimentId],
      orderBy: ['attributes.start_time ASC'],
      maxResults: 2,
      pageToken: first.nextPageToken!,
    });

    expect(first.runs.map((r) => r.info.startTime)).toEqual([1000, 2000]);
    expect(second.runs.map((r) => r.info.startTime)).toEqual([3000, 4000]);
  });
});
