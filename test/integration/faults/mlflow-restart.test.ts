// Fault: the MLflow server stops and starts again (same PostgreSQL database, same port) in the middle of a
// `/train`: once while the Job trains, once just as the Job finished, when the bot reads the results. The
// server is this file's own (test/support/own-mlflow.ts), so other suites keep theirs. Each request still
// ends with one final table, a concluded check run, one MLflow run and one Job, and nothing left running.
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { resolve } from 'node:path';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { createApp } from '../../../src/index.js';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { RUNNER_RBAC_RULES } from '../../../src/runners/kubernetes/rbac-rules.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { findRequestRuns } from '../../../src/tracking/run-queries.js';
import { useGitHubApi } from '../../support/github-api.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { testProbot } from '../../support/github-probot.js';
import { adminKubeconfigPath, createTestNamespace, type TestNamespace } from '../../support/kube-namespace.js';
import { startTestNode, type TestNode } from '../../support/kube-test-node.js';
import { startOwnMlflow, type OwnMlflow } from '../../support/own-mlflow.js';
import {
  FULL_NAME,
  alphaPointOneReport,
  reportBody,
  mockPrelude,
  mockTrainFlowFor,
  seedBaseline,
  testConfigText,
} from '../../support/train-comment-mocks.js';

jest.setTimeout(240_000);

let mlflow: OwnMlflow;
let tracking: MlflowClient;
let ns: TestNamespace;
let node: TestNode;
let runner: KubernetesRunner;
let configText: string;
let baselineStart = 0;
const podFinished: Array<() => void> = [];
const experiment = `faults-mlflow-${Date.now()}`;

useGitHubApi();

beforeAll(async () => {
  mlflow = await startOwnMlflow();
  tracking = MlflowClient.fromEnv({ MLFLOW_TRACKING_URI: mlflow.url });
  ns = await createTestNamespace('mlrestart');
  const bot = await ns.accountWith('trainbot', RUNNER_RBAC_RULES);
  node = await startTestNode({
    adminKubeconfig: adminKubeconfigPath(),
    namespace: ns.name,
    workdir: resolve(import.meta.dirname, '../../../training'),
    onPodFinished: () => podFinished.shift()?.(),
  });
  runner = new KubernetesRunner({ namespace: ns.name, kubeConfig: bot, podCheckMs: 250 });
  configText = testConfigText(experiment, mlflow.url).replace(/^namespace: .*$/m, `namespace: ${ns.name}`);
  const config = (parseConfig(configText) as { ok: true; config: TrainbotConfig }).config;
  baselineStart = await seedBaseline(tracking, runner, config);
}, 240_000);

afterAll(async () => {
  await node?.stop();
  await ns?.delete();
  await mlflow?.close();
});

/** Sends `/train <args>` as comment `id` while `fault` runs; returns the comments and check run GitHub got. */
async function train(id: number, args: string, fault: () => Promise<void>) {
  const event = issueCommentEvent({ body: `/train ${args}` });
  event.payload.comment.id = id;
  mockPrelude(configText);
  const flow = mockTrainFlowFor(id, { updates: 3 });
  const probot = await testProbot(
    createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0, now: () => baselineStart + 1000 }),
  );
  let doneAt = 0;
  const [received] = await Promise.allSettled([
    probot.receive(event).finally(() => {
      doneAt = Date.now();
    }),
    fault(),
  ]);
  expect(received.status).toBe('fulfilled');
  return { ...flow, doneAt };
}

/** One Job and one finished MLflow run for the request, and no pod still running in the namespace. */
async function expectOneOfEach(id: number) {
  const admin = ns.admin;
  const jobs = await admin
    .makeApiClient(BatchV1Api)
    .listNamespacedJob({ namespace: ns.name, labelSelector: `trainbot.dev/request=${id}` });
  expect(jobs.items.map((j) => j.status?.succeeded)).toEqual([1]);
  const experimentId = await tracking.ensureExperiment(experiment);
  const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(id) });
  expect(runs.map((r) => r.info.status)).toEqual(['FINISHED']);
  const pods = await admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns.name });
  expect(pods.items.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''))).toEqual([]);
}

async function jobAppears(id: number): Promise<void> {
  const batch = ns.admin.makeApiClient(BatchV1Api);
  for (;;) {
    const jobs = await batch.listNamespacedJob({ namespace: ns.name, labelSelector: `trainbot.dev/request=${id}` });
    if (jobs.items.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('finishes the report when MLflow restarts while the Job trains', async () => {
  const id = 7_000_001;
  let downFor = 0;
  const flow = await train(id, 'alpha=0.1', async () => {
    await jobAppears(id);
    const t0 = Date.now();
    await mlflow.stop();
    await new Promise((r) => setTimeout(r, 2000));
    await mlflow.start();
    downFor = Date.now() - t0;
  });
  console.log(`MLflow was down ${downFor} ms while the Job trained`);
  const name = flow.comments[0]?.match(/trainbot-pr1-[0-9a-f]{12}/)?.[0];
  expect(reportBody(flow.comments.at(-1)?.split('\n').slice(1).join('\n') ?? '')).toBe(alphaPointOneReport(name));
  expect(flow.check()?.conclusion).toBe('success');
  await expectOneOfEach(id);
});

it('finishes the report when MLflow restarts just as the Job finished', async () => {
  const id = 7_000_002;
  let downFor = 0;
  let upAt = 0;
  const flow = await train(id, 'alpha=0.2', async () => {
    await new Promise<void>((r) => podFinished.push(r));
    const t0 = Date.now();
    await mlflow.stop();
    await mlflow.start();
    upAt = Date.now();
    downFor = upAt - t0;
  });
  console.log(
    `MLflow was down ${downFor} ms after the Job finished; the report was done ${flow.doneAt - upAt} ms after it answered again`,
  );
  const final = flow.comments.at(-1) ?? '';
  expect(final).toContain('### trainbot: alpha=0.2 vs baseline');
  expect(final).toMatch(/\| \*\*rmse\*\* \(primary\) \| +0\.7436 \| +0\.\d{4} \|/);
  expect(flow.check()?.conclusion).toBe('success');
  await expectOneOfEach(id);
});
