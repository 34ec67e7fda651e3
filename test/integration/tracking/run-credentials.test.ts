// A training container that tries to rewrite the baseline it is compared with, against the harness's real
// MLflow with the basic-auth app: it holds only the MLflow user the bot made for its run (EDIT on the
// candidates experiment), so every write to the baseline is refused with 403, the baseline and the report are
// unchanged, and the user is gone once the run ends, however it ended.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { executeRuns } from '../../../src/pipeline/execute-runs.js';
import { planRequest } from '../../../src/pipeline/plan-request.js';
import { NO_BASELINE_HINT_OFF_PR, runRequest } from '../../../src/pipeline/run-request.js';
import { planBaseline, planRuns } from '../../../src/runs/plan.js';
import type { JobSpec, RunHandle, Runner } from '../../../src/runners/runner.js';
import { experimentName } from '../../../src/tracking/experiment-names.js';
import { MlflowUsers } from '../../../src/tracking/mlflow-users.js';
import { type RoleExperiments, ensureRoleExperiments } from '../../../src/tracking/role-experiments.js';
import { MlflowRunCredentials, runUsername, withRunCredentials } from '../../../src/tracking/run-credentials.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { botTracking, mlflowHeaders, requireTrackingUri } from '../../support/mlflow-tracking.js';
import { MetricRunner } from '../sweep/metric-runner.js';

const trackingUri = requireTrackingUri();
const root = resolve(import.meta.dirname, '../../..');
const REPO = 'acme/wine';
const experiment = `run-credentials-${Date.now()}`;
const configText = readFileSync(resolve(root, '.github/trainbot.yml'), 'utf8')
  .replace(/^experiment: .*$/m, `experiment: ${experiment}`)
  .replace(/^tracking_uri: .*$/m, `tracking_uri: ${trackingUri}`);
const config = (parseConfig(configText) as { ok: true; config: TrainbotConfig }).config;
const bot = botTracking();
const admin = new MlflowUsers({
  trackingUri,
  auth: { username: process.env.MLFLOW_TRACKING_USERNAME ?? '', password: process.env.MLFLOW_TRACKING_PASSWORD ?? '' },
});
const NOW = Date.UTC(2026, 10, 29, 12);

type Credential = { username: string; password: string };
const ownCredential = (spec: JobSpec): Credential => ({
  username: spec.credentialEnv?.MLFLOW_TRACKING_USERNAME ?? '',
  password: spec.credentialEnv?.MLFLOW_TRACKING_PASSWORD ?? '',
});

async function status(
  endpoint: string,
  body: unknown,
  credential: Credential,
  method: 'POST' | 'DELETE' = 'POST',
): Promise<number> {
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/${endpoint}`, {
    method,
    headers: mlflowHeaders(credential),
    body: JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

/** A container that, with its own credential, tries everything against the baseline before training. */
class HostileRunner extends MetricRunner {
  attempts: Record<string, number> = {};
  ownUserExisted = false;

  constructor(
    private readonly baselineRunId: () => string,
    private readonly experiments: () => RoleExperiments,
  ) {
    super({ trackingUri, delayMs: 10 });
  }

  override async dispatch(spec: JobSpec): Promise<RunHandle> {
    const me = ownCredential(spec);
    const run_id = this.baselineRunId();
    this.ownUserExisted = await admin.userExists(me.username);
    this.attempts = {
      'log-metric': await status(
        'runs/log-metric',
        { run_id, key: 'rmse', value: 9.99, timestamp: Date.now(), step: 1_000_000 },
        me,
      ),
      'set-tag': await status('runs/set-tag', { run_id, key: 'trainbot.sha', value: 'f'.repeat(40) }, me),
      update: await status('runs/update', { run_id, status: 'FAILED', end_time: Date.now() }, me),
      'delete-run': await status('runs/delete', { run_id }, me),
      'create-run among baselines': await status(
        'runs/create',
        { experiment_id: this.experiments().baselines, start_time: Date.now() },
        me,
      ),
      'its own run': await status('runs/set-tag', { run_id: spec.env.MLFLOW_RUN_ID, key: 'note', value: 'mine' }, me),
    };
    return super.dispatch(spec);
  }
}

let experiments: RoleExperiments;
let baselineRunId = '';

beforeAll(async () => {
  experiments = await ensureRoleExperiments(bot, config);
  // The merge path: the baseline is trained into the baselines experiment with a user that may write there.
  const [baseline] = await executeRuns({
    plans: [planBaseline(config)],
    config,
    experimentId: experiments.baselines,
    tracking: bot,
    runner: new MetricRunner({ trackingUri, delayMs: 10 }),
    origin: { repo: REPO, sha: 'b'.repeat(40), branch: 'main', request: 'merge-1', role: 'baseline' },
  });
  expect(baseline?.state).toBe('finished');
  baselineRunId = baseline?.runId as string;
}, 60_000);

describe('a candidate with its own MLflow user', () => {
  it('names the experiments by role', () => {
    expect([experimentName(config, 'candidate'), experimentName(config, 'baseline')]).toEqual([
      experiment,
      `${experiment}/baselines`,
    ]);
  });

  it('is refused every write to the baseline with 403, and the report the bot then posts is unchanged', async () => {
    const before = await bot.getRun(baselineRunId);
    const hostile = new HostileRunner(
      () => baselineRunId,
      () => experiments,
    );
    const planned = planRequest('/train alpha=0.1', config);
    if ('reply' in planned) throw new Error(planned.reply);
    const request = (runner: Runner, id: string) =>
      runRequest({
        plans: planned.runs,
        config,
        tracking: bot,
        runner,
        missingBaseline: 'compare-without',
        noBaselineHint: NO_BASELINE_HINT_OFF_PR,
        now: () => NOW,
        origin: { repo: REPO, sha: 'c'.repeat(40), branch: 'tune', request: id },
      });
    const attacked = await request(hostile, 'comment-hostile');
    const honest = await request(new MetricRunner({ trackingUri, delayMs: 10 }), 'comment-honest');

    expect(hostile.ownUserExisted).toBe(true);
    expect(hostile.attempts).toEqual({
      'log-metric': 403,
      'set-tag': 403,
      update: 403,
      'delete-run': 403,
      'create-run among baselines': 403,
      'its own run': 200,
    });
    const after = await bot.getRun(baselineRunId);
    expect({ status: after.info.status, metrics: after.metrics, tags: after.tags }).toEqual({
      status: before.info.status,
      metrics: before.metrics,
      tags: before.tags,
    });
    expect(attacked.baseline?.runId).toBe(baselineRunId);
    expect(attacked.runs.map((r) => r.state)).toEqual(['finished']);
    // Run names are made from the request id; everything else in the report is what an honest run gets.
    const same = (markdown: string) => markdown.replace(/trainbot-run-[0-9a-f]{12}/g, 'trainbot-run-x');
    expect(same(attacked.markdown)).toBe(same(honest.markdown));
  }, 60_000);

  it('cannot take over the baselines experiment by creating it: it exists before any Job runs', async () => {
    const credentials = bot.runCredentials as MlflowRunCredentials;
    const credential = await credentials.issue(baselineRunId.replace(/.$/, '0'), experiments.candidates);
    if (!credential) throw new Error('no auth app');
    try {
      expect(await status('experiments/create', { name: experimentName(config, 'baseline') }, credential)).toBe(400);
    } finally {
      await credentials.revoke(credential);
    }
  });
});

describe("the run's own user", () => {
  it('no longer exists once the run finished, or failed', async () => {
    const plans = planRuns({ alpha: ['0.1', '0.9'] }, config);
    if (!plans.ok) throw new Error(plans.message);
    const runs = await executeRuns({
      plans: plans.runs,
      config,
      experimentId: experiments.candidates,
      tracking: bot,
      runner: new MetricRunner({ trackingUri, delayMs: 10, failWhen: (p) => p.alpha === 0.9 }),
      origin: { repo: REPO, pr: 3, sha: 'd'.repeat(40), branch: 'tune', request: 'comment-3', role: 'candidate' },
    });
    expect(runs.map((r) => r.state)).toEqual(['finished', 'failed']);
    for (const run of runs) expect(await admin.userExists(runUsername(run.runId as string))).toBe(false);
  }, 60_000);

  it('is refused by MLflow when the bot is not its admin, and the run says so in one sentence', async () => {
    const notAdmin = { username: `not-admin-${Date.now()}`, password: 'a-password-of-24-chars!!' };
    await admin.createUser(notAdmin.username, notAdmin.password);
    try {
      const env = {
        MLFLOW_TRACKING_URI: trackingUri,
        MLFLOW_TRACKING_USERNAME: notAdmin.username,
        MLFLOW_TRACKING_PASSWORD: notAdmin.password,
      };
      const weak = withRunCredentials(
        MlflowClient.fromEnv(process.env),
        MlflowRunCredentials.fromEnv(env, () => undefined),
      );
      const [run] = await executeRuns({
        plans: [planBaseline(config)],
        config,
        experimentId: experiments.candidates,
        tracking: weak,
        runner: new MetricRunner({ trackingUri, delayMs: 10 }),
        origin: { repo: REPO, pr: 4, sha: 'e'.repeat(40), branch: 'tune', request: 'comment-4', role: 'candidate' },
      });
      expect({ state: run?.state, reason: run?.reason }).toEqual({
        state: 'failed',
        reason:
          "MLflow refused to create this run's own user (HTTP 403); trainbot's MLFLOW_TRACKING_USERNAME must be an admin of MLflow's basic-auth app (docs/infrastructure.md).",
      });
    } finally {
      await admin.deleteUser(notAdmin.username);
    }
  }, 60_000);
});
