// A training container that lies about its run, against the real MLflow server of the harness: the container
// gets its own MLflow user, allowed to write its run's experiment, and its run id, so it can re-tag its run
// through MLflow's REST API. Baselines live in another experiment it cannot write (see
// run-credentials.test.ts); this file keeps both in one experiment to test the second layer: with a signing
// key the bot's queries must still find the real baseline and ignore what was forged.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { executeRuns } from '../../../src/pipeline/execute-runs.js';
import { planBaseline, planRuns } from '../../../src/runs/plan.js';
import { RUN_TAGS, type RunOrigin, originTags } from '../../../src/runs/run-contract.js';
import { checkMetrics } from '../../../src/runs/metrics-signature.js';
import { verifyRun, withSigningKey } from '../../../src/runs/run-signature.js';
import { LocalRunner } from '../../../src/runners/local/local-runner.js';
import type { JobSpec, RunHandle, Runner } from '../../../src/runners/runner.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { experimentName } from '../../../src/tracking/experiment-names.js';
import { planRequest } from '../../../src/pipeline/plan-request.js';
import { NO_BASELINE_HINT_OFF_PR, runRequest } from '../../../src/pipeline/run-request.js';
import {
  findBaseline,
  findPullRequestRuns,
  findRequestRuns,
  lookupBaseline,
} from '../../../src/tracking/run-queries.js';
import { MetricRunner } from '../sweep/metric-runner.js';
import { botTracking, mlflowHeaders } from '../../support/mlflow-tracking.js';
import { reportBody } from '../../support/report-parts.js';

const root = resolve(import.meta.dirname, '../../..');
const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );

const REPO = 'acme/wine';
const KEY = 'integration-test-signing-key-0123456789abcdef';
const experiment = `forged-baseline-${Date.now()}`;
const configText = readFileSync(resolve(root, '.github/trainbot.yml'), 'utf8')
  .replace(/^experiment: .*$/m, `experiment: ${experiment}`)
  .replace(/^tracking_uri: .*$/m, `tracking_uri: ${trackingUri}`);
const config = (parseConfig(configText) as { ok: true; config: TrainbotConfig }).config;
const plain = MlflowClient.fromEnv(process.env);
const bot = withSigningKey(botTracking(), KEY);
const defaults = planBaseline(config).paramsKey;
let experimentId = '';

/** An MLflow REST call as the given user (a Job's own), or as the harness admin. */
async function mlflow(
  endpoint: string,
  body: unknown,
  credential?: { username: string; password: string },
): Promise<void> {
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: mlflowHeaders(credential),
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`MLflow ${endpoint} answered ${response.status}: ${await response.text()}`);
}

/** A container that first makes its own run look like main's baseline, signature included, then trains. */
class ForgingRunner extends MetricRunner {
  constructor(private readonly copiedSignature: () => string) {
    super({ trackingUri: trackingUri as string, delayMs: 10 });
  }

  override async dispatch(spec: JobSpec): Promise<RunHandle> {
    const runId = spec.env.MLFLOW_RUN_ID as string;
    const own = {
      username: spec.credentialEnv?.MLFLOW_TRACKING_USERNAME ?? '',
      password: spec.credentialEnv?.MLFLOW_TRACKING_PASSWORD ?? '',
    };
    const tags = {
      ...originTags({
        repo: REPO,
        sha: 'f'.repeat(40),
        branch: 'main',
        request: 'merge-1',
        role: 'baseline',
        params: defaults,
      }),
      [RUN_TAGS.signature]: this.copiedSignature(),
    };
    await mlflow(
      'runs/log-batch',
      { run_id: runId, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
      own,
    );
    await mlflow('runs/delete-tag', { run_id: runId, key: RUN_TAGS.pr }, own);
    return super.dispatch(spec);
  }
}

const baselineOrigin: Omit<RunOrigin, 'params'> = {
  repo: REPO,
  sha: 'b'.repeat(40),
  branch: 'main',
  request: 'merge-1',
  role: 'baseline',
};
/** Main's baseline, trained into `exp` as the merge flow trains it; by default with made-up metrics. */
async function trainBaseline(
  exp: string,
  runner: Runner = new MetricRunner({ trackingUri: trackingUri as string, delayMs: 10 }),
) {
  const [baseline] = await executeRuns({
    plans: [planBaseline(config)],
    config,
    experimentId: exp,
    tracking: bot,
    runner,
    origin: baselineOrigin,
  });
  return baseline;
}
const query = () => ({ experimentId, repo: REPO, branch: 'main', params: defaults });
let realBaselineId = '';

beforeAll(async () => {
  experimentId = await bot.ensureExperiment(experiment);
  const baseline = await trainBaseline(experimentId);
  expect(baseline?.state).toBe('finished');
  realBaselineId = baseline?.runId as string;
}, 60_000);

describe('a training container that re-tags its run as the baseline', () => {
  let forgedId = '';

  beforeAll(async () => {
    const real = await bot.getRun(realBaselineId);
    const plans = planRuns({ alpha: ['0.1'] }, config);
    if (!plans.ok) throw new Error(plans.message);
    const [candidate] = await executeRuns({
      plans: plans.runs,
      config,
      experimentId,
      tracking: bot,
      runner: new ForgingRunner(() => real.tags[RUN_TAGS.signature] as string),
      origin: { repo: REPO, pr: 5, sha: 'c'.repeat(40), branch: 'tune-alpha', request: 'comment-5', role: 'candidate' },
    });
    expect(candidate?.state).toBe('finished');
    forgedId = candidate?.runId as string;
  }, 60_000);

  it('fools a query without a key: the forged run is the newest FINISHED baseline MLflow has', async () => {
    const forged = await plain.getRun(forgedId);
    expect([
      forged.tags[RUN_TAGS.role],
      forged.tags[RUN_TAGS.branch],
      forged.tags[RUN_TAGS.params],
      forged.tags[RUN_TAGS.pr],
    ]).toEqual(['baseline', 'main', defaults, undefined]);
    expect((await findBaseline(plain, query()))?.info.runId).toBe(forgedId);
  });

  it('does not fool findBaseline with the key: it returns the real baseline in one search, after finding no pointer', async () => {
    const before = bot.requests;
    const found = await findBaseline(bot, query());
    expect(found?.info.runId).toBe(realBaselineId);
    expect(found?.tags[RUN_TAGS.sha]).toBe('b'.repeat(40));
    expect(bot.requests - before).toBe(2);
  });

  it('drops the forged run from the request and pull request queries too', async () => {
    expect(
      (await findRequestRuns(bot, { experimentId, repo: REPO, request: 'merge-1' })).runs.map((r) => r.info.runId),
    ).toEqual([realBaselineId]);
    expect(
      (await findRequestRuns(plain, { experimentId, repo: REPO, request: 'merge-1' })).runs.map((r) => r.info.runId),
    ).toEqual([forgedId, realBaselineId]);
    expect((await findRequestRuns(bot, { experimentId, repo: REPO, request: 'comment-5' })).runs).toEqual([]);
  });
});

describe('runs the bot did not sign', () => {
  it('ignores a FINISHED run created with the baseline tags but no signature', async () => {
    const unsigned = await plain.createRun({
      experimentId,
      runName: 'posing-as-baseline',
      tags: originTags({ ...baselineOrigin, request: 'merge-2', params: defaults }),
    });
    await plain.setTerminated(unsigned.info.runId, 'FINISHED');
    expect((await findBaseline(plain, query()))?.info.runId).toBe(unsigned.info.runId);
    expect((await findBaseline(bot, query()))?.info.runId).toBe(realBaselineId);
    expect((await findRequestRuns(bot, { experimentId, repo: REPO, request: 'merge-2' })).runs).toEqual([]);
  });

  it('stops trusting the real baseline once someone changes one of its tags, rather than report a tampered one', async () => {
    const exp = await bot.ensureExperiment(`${experiment}-tampered`);
    const baseline = await trainBaseline(exp);
    const tampered = { ...query(), experimentId: exp };
    expect((await findBaseline(bot, tampered))?.info.runId).toBe(baseline?.runId);
    await mlflow('runs/set-tag', { run_id: baseline?.runId, key: RUN_TAGS.pr, value: '5' });
    expect(await findBaseline(bot, tampered)).toBeUndefined();
    expect((await findPullRequestRuns(bot, { experimentId: exp, repo: REPO, pr: 5 })).runs).toEqual([]);
  }, 60_000);
});

describe('a real training run', () => {
  it("keeps its signature valid after train.py resumes the run through MLflow's own client", async () => {
    const exp = await bot.ensureExperiment(`${experiment}-train-py`);
    const trained = await trainBaseline(exp, new LocalRunner({ workdir: resolve(root, 'training') }));
    expect(trained?.state).toBe('finished');
    const stored = await bot.getRun(trained?.runId as string);
    expect(verifyRun(KEY, stored)).toBe(true);
    expect(checkMetrics(KEY, stored)).toEqual({
      status: 'intact',
      metrics: { mae: trained?.metrics.mae, r2: trained?.metrics.r2, rmse: trained?.metrics.rmse },
    });
    expect((await findBaseline(bot, { ...query(), experimentId: exp }))?.info.runId).toBe(trained?.runId);
  }, 120_000);
});

describe('a finished baseline whose metric PR code changes afterwards', () => {
  it('is not used once a log-metric at a later step changes the value runs/get serves, and the report says so', async () => {
    const name = `${experiment}-metric`;
    // The baseline where a request with experiment `name` reads it: the baselines' experiment.
    const exp = await bot.ensureExperiment(experimentName({ experiment: name }, 'baseline'));
    const baseline = await trainBaseline(exp);
    const id = baseline?.runId as string;
    const q = { ...query(), experimentId: exp };
    expect((await lookupBaseline(bot, q)).run?.metrics.rmse).toBe(0.615);

    // What a Job can do with the shared credentials: MLflow serves the value of the highest step as the metric.
    await mlflow('runs/log-metric', { run_id: id, key: 'rmse', value: 9.99, timestamp: Date.now(), step: 1_000_000 });
    const tampered = await bot.getRun(id);
    expect(tampered.metrics.rmse).toBe(9.99);
    // The tags are untouched, so the tag signature alone still passes: the gap the security review found.
    expect(verifyRun(KEY, tampered)).toBe(true);
    expect((await lookupBaseline(plain, q)).run?.metrics.rmse).toBe(9.99);

    const found = await lookupBaseline(bot, q);
    expect(found.run).toBeUndefined();
    expect(found.rejected?.check).toEqual({
      status: 'changed',
      changes: [{ metric: 'rmse', recorded: 0.615, current: 9.99 }],
    });

    // A worse candidate (rmse 0.64 against 0.615) would read "better" against 9.99; the report compares with nothing.
    const planned = planRequest('/train alpha=1', config);
    if ('reply' in planned) throw new Error(planned.reply);
    const outcome = await runRequest({
      plans: planned.runs,
      config: { ...config, experiment: name },
      tracking: bot,
      runner: new MetricRunner({ trackingUri, delayMs: 10 }),
      origin: { repo: REPO, pr: 6, sha: 'c'.repeat(40), branch: 'tune-alpha', request: 'comment-6' },
      missingBaseline: 'compare-without',
      noBaselineHint: NO_BASELINE_HINT_OFF_PR,
    });
    expect(outcome.runs.map((r) => [r.state, r.metrics.rmse])).toEqual([['finished', 0.64]]);
    expect(outcome.baseline).toBeUndefined();
    expect(outcome.conclusion).toBe('neutral');
    expect(outcome.markdown).toContain('| **rmse** (primary) |        — |   0.6400 |    | — no baseline |');
    expect(reportBody(outcome.markdown).split('\n').at(-1)).toBe(
      `Commit \`ccccccc\`. ⚠️ The baseline run \`${id.slice(0, 8)}\` (\`bbbbbbb\` on \`main\`) was changed after trainbot recorded it (rmse 0.6150 → 9.9900), ` +
        'so it was not used. Run `trainbot run "/train"` on the baseline branch, or merge a pull request: trainbot trains one on merge.',
    );
    expect(outcome.markdown).not.toContain('better');
  }, 60_000);
});
