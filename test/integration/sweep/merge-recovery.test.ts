// A merge whose bot died, finished by the next process's reconciler against the real MLflow: the baseline run is
// found by its request tag in the baselines' experiment, a run whose Job never came is marked FAILED there, and
// a finished refresh is compared with the baseline that was current when it started (a real `start_time <`
// search: the refresh itself is the newest baseline by then). Claims and Jobs are in memory here; the Lease
// protocol runs on a real API server in test/integration/app/kill-bot.test.ts.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeKey, onPullRequestClosed } from '../../../src/pipeline/on-pr-closed.js';
import { reconcileOnce } from '../../../src/pipeline/reconcile.js';
import { originTags } from '../../../src/runs/run-contract.js';
import type { RunOutcome } from '../../../src/runners/runner.js';
import { ensureRoleExperiments } from '../../../src/tracking/role-experiments.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { botTracking, mlflowHeaders, requireTrackingUri } from '../../support/mlflow-tracking.js';
import { REPO_ROOT } from '../../support/run-action.js';
import { ClaimingRunner, MemoryGitHub, MemoryTracking, silentLog } from '../../unit/pipeline/memory-ports.js';

const trackingUri = requireTrackingUri();
const tracking = botTracking();
const REPO = 'acme/models';
const SHA = 'd'.repeat(40);
const KEY = `${REPO}#merge-7`;
const never = <T>() => new Promise<T>(() => undefined);
const tick = () => new Promise((r) => setTimeout(r, 200));

/** What a training container does to its run: log the metrics, end it FINISHED. */
async function finishRun(runId: string, metrics: Record<string, number>): Promise<void> {
  const timestamp = Date.now();
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/runs/log-batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...mlflowHeaders() },
    body: JSON.stringify({
      run_id: runId,
      metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, step: 0 })),
    }),
  });
  expect(response.status).toBe(200);
  await tracking.setTerminated(runId, 'FINISHED');
}

/** Its own experiment: the previous baseline of main, then the PR's candidate; the first process dies at `step`. */
async function crashAt(step: 'before-the-job' | 'while-waiting') {
  const configText = readFileSync(join(REPO_ROOT, '.github/trainbot.yml'), 'utf8')
    .replace(/^experiment: .*$/m, `experiment: merge-recovery-${Date.now()}-${step}`)
    .replace(/^baseline_branch: .*$/m, 'baseline_branch: main');
  const loaded = parseConfig(configText);
  if (!loaded.ok) throw new Error(loaded.errors.join(' '));
  const experiments = await ensureRoleExperiments(tracking, loaded.config);
  const origin = { repo: REPO, sha: 'b'.repeat(40), params: 'alpha=0.5 l1_ratio=0.5 seed=42' };
  const previous = await tracking.createRun({
    experimentId: experiments.baselines,
    runName: 'trainbot-baseline-previous',
    tags: originTags({ ...origin, branch: 'main', request: 'merge-1', role: 'baseline' }),
  });
  await finishRun(previous.info.runId, { rmse: 0.74, mae: 0.6, r2: 0.1 });

  const firstGitHub = new MemoryGitHub(configText);
  const first = new ClaimingRunner(new MemoryTracking());
  first.dispatch = async (spec) => {
    if (step === 'before-the-job') return never();
    first.clusterJobs.push({ name: spec.name, labels: { ...spec.labels }, finished: false });
    return { name: spec.name };
  };
  first.wait = () => never<RunOutcome>();
  void onPullRequestClosed(
    { repo: REPO, number: 7, merged: true, mergeCommitSha: SHA, baseRef: 'main', installationId: 77 },
    { github: firstGitHub, tracking, runnerFor: () => first, log: silentLog },
  );
  const baselineRuns = async () =>
    (
      await tracking.searchAllRuns({
        experimentIds: [experiments.baselines],
        filter: `tags.\`trainbot.request\` = 'merge-7'`,
      })
    ).runs;
  for (let i = 0; i < 50 && (await baselineRuns()).length === 0; i++) await tick();
  await tick();

  const github = new MemoryGitHub(configText);
  const second = new ClaimingRunner(new MemoryTracking());
  second.leases = first.leases;
  second.clusterJobs.push(...first.clusterJobs);
  const reconcile = () => reconcileOnce({ runner: second, tracking, githubFor: async () => github, log: silentLog });
  return { first, github, second, reconcile, baselineRuns };
}

const refreshPart = (comment: string | undefined) => (comment ?? '').split('#### Baseline refresh\n\n')[1] ?? '';

describe('a merge whose bot died, finished by the reconciler against the real MLflow', () => {
  it('killed before the Job: its baseline run is FAILED in MLflow and the final comment says why', async () => {
    const { first, github, second, reconcile, baselineRuns } = await crashAt('before-the-job');
    expect((await baselineRuns()).map((r) => r.info.status)).toEqual(['RUNNING']);
    first.expire(KEY);
    await reconcile();
    expect((await baselineRuns()).map((r) => r.info.status)).toEqual(['FAILED']);
    expect(second.dispatched).toEqual([]);
    expect(github.posts).toHaveLength(1);
    expect(refreshPart(github.living.get(mergeKey(7)))).toContain(
      "did not finish: trainbot stopped before it started this baseline's Job, so it never ran.",
    );
    expect(first.leases.has(KEY)).toBe(false);
    await reconcile();
    expect(github.posts).toHaveLength(1);
  }, 30_000); // a dozen real MLflow requests: over jest's 5 s default on a loaded 2-core machine

  it('killed while waiting, the Job done since: compared with the previous baseline, not itself', async () => {
    const { first, github, second, reconcile, baselineRuns } = await crashAt('while-waiting');
    const [run] = await baselineRuns();
    await finishRun(run?.info.runId ?? '', { rmse: 0.7, mae: 0.55, r2: 0.2 });
    const job = first.clusterJobs[0];
    if (job) job.finished = true;
    second.clusterJobs.splice(0, second.clusterJobs.length, ...first.clusterJobs);
    first.expire(KEY);
    await reconcile();
    expect((await baselineRuns()).map((r) => r.info.status)).toEqual(['FINISHED']);
    expect(second.dispatched).toEqual([]);
    expect(github.posts).toHaveLength(1);
    const refresh = refreshPart(github.living.get(mergeKey(7)));
    expect(refresh).toContain('✅ New baseline of `main` on `ddddddd`:');
    expect(refresh).toMatch(/\| \*\*rmse\*\* \(primary\) \| +0\.7400 \| +0\.7000 \| −0\.0400 \| ✅ better \|/);
    expect(refresh).toContain('compared with the baseline `bbbbbbb` on `main`');
    await reconcile();
    expect(github.posts).toHaveLength(1);
  }, 30_000);
});
