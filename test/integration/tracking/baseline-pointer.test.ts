// The baseline pointer against the harness's real MLflow (PostgreSQL, basic-auth app): a merge's refresh moves it,
// live and when the reconciler finishes the merge; a report then reads the baseline without a search; a Job's own
// user cannot move it (403); one moved with the bot's credentials but not its key is not used, and the report
// says so.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { parseConfig } from '../../../src/config/load-config.js';
import type { GitHubPort } from '../../../src/github/github-port.js';
import { executeRuns } from '../../../src/pipeline/execute-runs.js';
import { finishMerge } from '../../../src/pipeline/finish-merge.js';
import { type Merge, baselineQuery, mergeNotes, reportMerge } from '../../../src/pipeline/on-pr-closed.js';
import { toRunResult } from '../../../src/report/to-run-result.js';
import { planRequest } from '../../../src/pipeline/plan-request.js';
import { NO_BASELINE_HINT_OFF_PR, runRequest } from '../../../src/pipeline/run-request.js';
import { pointerTagKey, pointerValue, readPointer } from '../../../src/runs/baseline-pointer.js';
import { planBaseline } from '../../../src/runs/plan.js';
import { withSigningKey } from '../../../src/runs/run-signature.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { type RoleExperiments, ensureRoleExperiments } from '../../../src/tracking/role-experiments.js';
import { MlflowRunCredentials } from '../../../src/tracking/run-credentials.js';
import { lookupBaseline } from '../../../src/tracking/run-queries.js';
import { botTracking, mlflowHeaders, requireTrackingUri } from '../../support/mlflow-tracking.js';
import { MetricRunner } from '../sweep/metric-runner.js';

const trackingUri = requireTrackingUri();
const root = resolve(import.meta.dirname, '../../..');
const REPO = 'acme/wine';
const KEY = 'integration-test-signing-key-0123456789abcdef';
const experiment = `baseline-pointer-${Date.now()}`;
const configText = readFileSync(resolve(root, '.github/trainbot.yml'), 'utf8')
  .replace(/^experiment: .*$/m, `experiment: ${experiment}`)
  .replace(/^tracking_uri: .*$/m, `tracking_uri: ${trackingUri}`);
const config = (parseConfig(configText) as { ok: true; config: TrainbotConfig }).config;
const bot = withSigningKey(botTracking(), KEY);
const TAG = pointerTagKey('main');
const NOW = Date.UTC(2026, 10, 30, 12);
let experiments: RoleExperiments;

/** What the bot's GitHub port is asked during a merge: the base branch's config, and the merge comment. */
function github(comments: string[]): GitHubPort {
  return {
    readConfig: async () => configText,
    upsertComment: async (_pr: number, _key: string, body: string) => {
      comments.push(body);
    },
  } as unknown as GitHubPort;
}

const log = { info: () => undefined, error: (e: unknown) => console.error(e) };

/** The baselines experiment's pointer for main, as MLflow holds it. */
async function pointer() {
  const text = (await bot.getExperiment(experiments.baselines)).tags[TAG];
  if (text === undefined) return undefined;
  return readPointer(text, { experimentId: experiments.baselines, tagKey: TAG }, KEY);
}

/** The endpoints one baseline lookup calls, from a client that records them. */
async function lookupCalls() {
  const endpoints: string[] = [];
  const client = withSigningKey(
    MlflowClient.fromEnv(process.env, { onRequest: (event) => endpoints.push(event.endpoint) }),
    KEY,
  );
  const found = await lookupBaseline(client, baselineQuery(config, REPO, experiments));
  return { found, endpoints };
}

async function status(endpoint: string, body: unknown, credential: { username: string; password: string }) {
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: mlflowHeaders(credential),
    body: JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

function trainRequest(id: string) {
  const planned = planRequest('/train alpha=0.1', config);
  if ('reply' in planned) throw new Error(planned.reply);
  return runRequest({
    plans: planned.runs,
    config,
    tracking: bot,
    runner: new MetricRunner({ trackingUri, delayMs: 10 }),
    missingBaseline: 'compare-without',
    noBaselineHint: NO_BASELINE_HINT_OFF_PR,
    now: () => NOW,
    origin: { repo: REPO, sha: 'c'.repeat(40), branch: 'tune', request: id },
  });
}

let liveRunId = '';
let reconciledRunId = '';

beforeAll(async () => {
  experiments = await ensureRoleExperiments(bot, config);
}, 30_000);

/** A pointer back at the first baseline (the live run), older than the current one: what a replay would write. */
const backToLiveRun = () => ({
  repo: REPO,
  branch: 'main',
  params: planBaseline(config).paramsKey,
  sha: '1'.repeat(40),
  runIds: [liveRunId],
  startTime: 0,
});

describe('the baseline pointer', () => {
  it('is moved by a merge into main once its refresh finished, and a report then reads the baseline without a search', async () => {
    expect(await pointer()).toBeUndefined();
    const before = await lookupCalls();
    expect(before.endpoints).toEqual(['experiments/get', 'runs/search']);

    const merge: Merge = { repo: REPO, number: 1, sha: '1'.repeat(40), baseRef: 'main' };
    const comments: string[] = [];
    await reportMerge(merge, {
      github: github(comments),
      tracking: bot,
      runner: new MetricRunner({ trackingUri, delayMs: 10 }),
      log,
      config,
      experiments,
      now: () => NOW,
      posted: async () => undefined,
    });
    expect(comments.at(-1)).toContain('New baseline');
    const moved = await pointer();
    expect(moved?.status).toBe('valid');
    if (moved?.status !== 'valid') throw new Error('no pointer');
    liveRunId = moved.pointer.runIds[0] as string;
    expect(moved.pointer).toMatchObject({ repo: REPO, branch: 'main', sha: merge.sha, runIds: [liveRunId] });

    const after = await lookupCalls();
    expect(after.endpoints).toEqual(['experiments/get', 'runs/get']);
    expect(after.found.run?.info.runId).toBe(liveRunId);
    expect((await trainRequest('comment-1')).baseline?.runId).toBe(liveRunId);
  }, 60_000);

  it('is moved when the reconciler finishes a merge whose bot died after starting the refresh', async () => {
    const merge: Merge = { repo: REPO, number: 2, sha: '2'.repeat(40), baseRef: 'main' };
    // What the dead bot left: the refresh run of merge-2, ended, and the merge's claim with its notes.
    const [left] = await executeRuns({
      plans: [planBaseline(config)],
      config,
      experimentId: experiments.baselines,
      tracking: bot,
      runner: new MetricRunner({ trackingUri, delayMs: 10 }),
      origin: { repo: REPO, sha: merge.sha, branch: 'main', request: 'merge-2', role: 'baseline' },
    });
    reconciledRunId = left?.runId as string;
    const comments: string[] = [];
    await finishMerge({ key: `${REPO}#merge-2`, notes: mergeNotes(merge), live: false }, github(comments), {
      runner: new MetricRunner({ trackingUri, delayMs: 10 }),
      tracking: bot,
      githubFor: async () => undefined,
      log,
      now: () => NOW,
      settle: async (run) => toRunResult(await bot.getRun(run.info.runId), config),
    });
    expect(comments.at(-1)).toContain('New baseline');
    expect(await pointer()).toMatchObject({ status: 'valid', pointer: { sha: merge.sha, runIds: [reconciledRunId] } });
    expect((await lookupCalls()).found.run?.info.runId).toBe(reconciledRunId);
  }, 60_000);

  it("cannot be moved by a Job's own MLflow user: 403, while its own experiment's tags are its to set", async () => {
    const credentials = bot.runCredentials as MlflowRunCredentials;
    const credential = await credentials.issue('0'.repeat(32), experiments.candidates);
    if (!credential) throw new Error('no auth app');
    const older = pointerValue(backToLiveRun(), { experimentId: experiments.baselines, tagKey: TAG }, undefined);
    try {
      expect({
        set: await status(
          'experiments/set-experiment-tag',
          { experiment_id: experiments.baselines, key: TAG, value: older },
          credential,
        ),
        delete: await status(
          'experiments/delete-experiment-tag',
          { experiment_id: experiments.baselines, key: TAG },
          credential,
        ),
        'set on candidates': await status(
          'experiments/set-experiment-tag',
          { experiment_id: experiments.candidates, key: TAG, value: older },
          credential,
        ),
      }).toEqual({ set: 403, delete: 403, 'set on candidates': 200 });
    } finally {
      await credentials.revoke(credential);
    }
    expect(await pointer()).toMatchObject({ status: 'valid', pointer: { runIds: [reconciledRunId] } });
  }, 30_000);

  it('is not used when it was moved with the bot credentials but not its key: the report says so and compares with the searched baseline', async () => {
    const where = { experimentId: experiments.baselines, tagKey: TAG };
    const back = backToLiveRun();
    const plain = MlflowClient.fromEnv(process.env);
    await plain.setExperimentTag(
      experiments.baselines,
      TAG,
      pointerValue(back, where, 'a-guessed-key-that-is-not-the-bots-0000'),
    );

    const report = await trainRequest('comment-2');
    expect(report.baseline?.runId).toBe(reconciledRunId);
    expect(report.markdown).toContain(
      "⚠️ The baseline pointer of `main` in MLflow does not carry trainbot's signature (it was set outside trainbot), so trainbot did not use it and searched for the baseline instead. The next merge into `main` writes it again.",
    );
    await plain.setExperimentTag(experiments.baselines, TAG, pointerValue(back, where, undefined));
    expect((await lookupCalls()).found).toMatchObject({
      run: { info: { runId: reconciledRunId } },
      refusedPointer: 'unsigned',
    });
  }, 60_000);
});
