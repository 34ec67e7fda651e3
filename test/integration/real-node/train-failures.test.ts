// When `/train` goes wrong on the real node, the PR gets the sentence the kubelet's own behaviour leads to:
// a tag that was never pushed (the kubelet's pull retries, then "could not be pulled" after the runner's
// grace), a run over its memory limit (the kernel's OOM killer, reported OOMKilled), a failing run (its log
// tail as the kubelet serves it through the API server) and a run past activeDeadlineSeconds (the Job
// controller stops it). Real kubelet, containerd, runc, registry and MLflow; GitHub mocked.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createApp } from '../../../src/index.js';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { RUNNER_RBAC_RULES } from '../../../src/runners/kubernetes/rbac-rules.js';
import { findRequestRuns } from '../../../src/tracking/run-queries.js';
import { useGitHubApi } from '../../support/github-api.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { testProbot } from '../../support/github-probot.js';
import type { TestNamespace } from '../../support/kube-namespace.js';
import {
  createRealNodeNamespace,
  realNode,
  realNodeConfig,
  tagImage,
  type RealConfigOptions,
} from '../../support/real-node.js';
import { COMMENT_ID, FULL_NAME, HEAD_SHA, mockPrelude, mockTrainFlow } from '../../support/train-comment-mocks.js';
import { botTracking } from '../../support/mlflow-tracking.js';

const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );
const node = realNode();
const tracking = botTracking();
// The bound for a tag that was never pushed: the kubelet's pulls keep failing this long (its first retry comes
// after 10 s, so a grace of 15 s sees at least two failed pulls), then the runner gives up.
const PULL_GRACE_SECONDS = 15;
let ns: TestNamespace;
let runner: KubernetesRunner;

useGitHubApi();

beforeAll(async () => {
  await tagImage(node.image, node.tag, HEAD_SHA);
  ns = await createRealNodeNamespace(node, 'real-fail');
  const bot = await ns.accountWith('trainbot', RUNNER_RBAC_RULES);
  runner = new KubernetesRunner({
    namespace: ns.name,
    kubeConfig: bot,
    podCheckMs: 500,
    imagePullGraceSeconds: PULL_GRACE_SECONDS,
  });
}, 60_000);

afterAll(async () => {
  await ns?.delete();
});

/**
 * Runs `/train alpha=<alpha>` through the app with the given config; the final comment and the run's MLflow
 * status. Each test asks for another alpha: Job names follow from the params, and finished Jobs stay.
 */
async function train(
  name: string,
  alpha: string,
  options: RealConfigOptions,
): Promise<{ final: string; status?: string; seconds: number }> {
  const experiment = `real-${name}-${Date.now()}`;
  const configText = realNodeConfig(node, ns.name, experiment, options);
  mockPrelude(configText);
  const { comments, check } = mockTrainFlow({ updates: 3, confused: true });
  const probot = await testProbot(createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0 }));
  const started = Date.now();
  await probot.receive(issueCommentEvent({ body: `/train alpha=${alpha}` }));
  const seconds = (Date.now() - started) / 1000;
  expect(check()?.conclusion).toBe('failure');
  const experimentId = await tracking.ensureExperiment(experiment);
  const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(COMMENT_ID) });
  return { final: comments.at(-1) ?? '', status: runs[0]?.info.status, seconds };
}

it(`says a tag that was never pushed could not be pulled, after ${PULL_GRACE_SECONDS} s of failed pulls and within ${PULL_GRACE_SECONDS + 20} s`, async () => {
  const image = `${node.registry}/trainbot/never-pushed`;
  const { final, status, seconds } = await train('no-image', '0.11', { image });
  expect(final).toContain(`❌ failed: The image "${image}:${HEAD_SHA}" could not be pulled (`);
  expect(final).toMatch(
    /\((ErrImagePull|ImagePullBackOff), still failing after 15 s\); check that it was built and pushed/,
  );
  expect(status).toBe('FAILED');
  // Not on the first failed pull (the kubelet retries), and not much later than the grace either.
  expect(seconds).toBeGreaterThanOrEqual(PULL_GRACE_SECONDS);
  expect(seconds).toBeLessThan(PULL_GRACE_SECONDS + 20);
}, 120_000);

it('says a run over its memory limit was OOMKilled', async () => {
  // Importing pandas and scikit-learn alone needs far more than 48 MiB: the kernel kills train.py.
  const { final, status } = await train('oom', '0.12', { memoryLimit: '48Mi' });
  expect(final).toContain(
    '❌ failed: The training container ran out of memory (OOMKilled, exit code 137); ' +
      'raise its memory limit or make the run use less memory.',
  );
  expect(status).toBe('FAILED');
}, 180_000);

it('shows a failing run’s last log lines as the kubelet serves them, redacted', async () => {
  const secret = ['s3cr3t', 'Value', '42'].join('');
  const script = `import sys; print("loading data"); print("MLFLOW_TRACKING_TOKEN=${secret}"); sys.exit(3)`;
  const { final, status } = await train('fail', '0.13', { command: ['python', '-c', script] });
  expect(final).toContain('❌ failed: The training container exited with code 3.');
  expect(final).toMatch(
    /<details><summary>Last lines of trainbot-pr1-[0-9a-f]{12}<\/summary>\n\n```text\nloading data\nMLFLOW_TRACKING_TOKEN=\[REDACTED\]\n```\n<\/details>$/,
  );
  expect(final).not.toContain(secret);
  expect(status).toBe('FAILED');
}, 180_000);

it('says a run past its activeDeadlineSeconds timed out', async () => {
  const { final, status } = await train('deadline', '0.14', {
    command: ['python', '-c', 'import time; time.sleep(600)'],
    timeoutMinutes: 1,
  });
  expect(final).toContain('The run took longer than its limit of 60 s and was stopped.');
  expect(status).toBe('FAILED');
}, 240_000);
