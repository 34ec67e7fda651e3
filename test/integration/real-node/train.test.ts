// `/train` for real: a webhook → the Probot app → a Job created with the bot's RBAC-bound ServiceAccount →
// the real scheduler → a real kubelet pulls the training image CI pushed (from the local registry, pinned by the
// digest the bot resolved) and runs it
// with containerd + runc under the Job's security context (uid 10001, read-only root, no capabilities,
// seccomp, /tmp emptyDir) → train.py logs to MLflow on PostgreSQL through the node's bridge → the exact table.
// Then `/train cancel` on a running Job: SIGTERM reaches the container, the Pod goes, the run is KILLED.
// Only GitHub is mocked. The node comes from scripts/services/node.sh.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { createApp } from '../../../src/index.js';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { RegistryClient } from '../../../src/registry/registry-client.js';
import { RUNNER_RBAC_RULES } from '../../../src/runners/kubernetes/rbac-rules.js';
import { findRequestRuns } from '../../../src/tracking/run-queries.js';
import { useGitHubApi } from '../../support/github-api.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { testProbot } from '../../support/github-probot.js';
import type { TestNamespace } from '../../support/kube-namespace.js';
import { eventually } from '../../support/kube-runner-fixture.js';
import {
  createRealNodeNamespace,
  manifestDigest,
  realNode,
  realNodeConfig,
  tagImage,
} from '../../support/real-node.js';
import { botTracking } from '../../support/mlflow-tracking.js';
import {
  BASE_SHA,
  COMMENT_ID,
  FULL_NAME,
  HEAD_SHA,
  alphaPointOneReport,
  reportBody,
  reportFooter,
  expectAnswer,
  mockPrelude,
  mockTrainFlow,
  seedBaseline,
} from '../../support/train-comment-mocks.js';

const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );
const node = realNode();
const tracking = botTracking();
let ns: TestNamespace;
let runner: KubernetesRunner;

useGitHubApi();

beforeAll(async () => {
  // trainbot runs `<image>:<head sha>`: the image CI pushed, under the mocked pull request's shas.
  await tagImage(node.image, node.tag, HEAD_SHA);
  await tagImage(node.image, node.tag, BASE_SHA);
  ns = await createRealNodeNamespace(node, 'real-train');
  const bot = await ns.accountWith('trainbot', RUNNER_RBAC_RULES);
  runner = new KubernetesRunner({ namespace: ns.name, kubeConfig: bot, podCheckMs: 500 });
}, 60_000);

afterAll(async () => {
  await ns?.delete();
});

it('runs /train alpha=0.1 as a Job on the real node, in the training image, and posts the exact table', async () => {
  const experiment = `real-train-${Date.now()}`;
  const configText = realNodeConfig(node, ns.name, experiment);
  const config = (parseConfig(configText) as { ok: true; config: TrainbotConfig }).config;
  // The baseline on main, trained as a Job on the same node (the first Job pulls the image).
  const baselineStart = await seedBaseline(tracking, runner, config);

  mockPrelude(configText);
  const { comments, check } = mockTrainFlow({ updates: 3 });
  // As deployed: the bot resolves the head sha's tag in the registry and pins the Job to that digest.
  const images = { registry: new RegistryClient({ scheme: 'http' }), timeoutMs: 30_000, intervalMs: 1000 };
  const probot = await testProbot(
    createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0, now: () => baselineStart + 1000, images }),
  );
  await probot.receive(issueCommentEvent({ body: '/train alpha=0.1' }));

  const name = comments[0]?.match(/trainbot-pr1-[0-9a-f]{12}/)?.[0];
  expect(reportBody(comments.at(-1)?.split('\n').slice(1).join('\n') ?? '')).toBe(alphaPointOneReport(name));
  expect(check()?.conclusion).toBe('success');

  // It ran where and how it should: on the real node, from the registry's image, as uid 10001.
  const core = ns.admin.makeApiClient(CoreV1Api);
  const [pod] = (
    await core.listNamespacedPod({ namespace: ns.name, labelSelector: `batch.kubernetes.io/job-name=${name}` })
  ).items;
  expect(pod?.spec?.nodeName).toBe(node.name);
  expect(pod?.status?.phase).toBe('Succeeded');
  // The Job named the digest CI pushed, and that is what the kubelet pulled and ran.
  const digest = await manifestDigest(node.image, node.tag);
  expect(pod?.spec?.containers[0]?.image).toBe(`${node.image}@${digest}`);
  expect(pod?.status?.containerStatuses?.[0]?.imageID).toBe(`${node.image}@${digest}`);
  const job = await ns.admin.makeApiClient(BatchV1Api).readNamespacedJob({ name: name as string, namespace: ns.name });
  expect(job.status?.succeeded).toBe(1);

  // The footer names that same digest, the commit and the data train.py logged (mlflow.log_input), as MLflow
  // keeps them: the image as the bot's trainbot.image tag, the data as the run's dataset input.
  const experimentId = await tracking.ensureExperiment(experiment);
  const [run] = (await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(COMMENT_ID) })).runs;
  expect(run?.tags['trainbot.image']).toBe(`${node.image}@${digest}`);
  expect(run?.datasets).toEqual([{ name: 'winequality-red', digest: expect.stringMatching(/^[0-9a-f]{8}$/) }]);
  expect(reportFooter(comments.at(-1) ?? '')).toBe(
    [
      '<details><summary>Reproduce this run</summary>',
      '',
      `- Image: \`${node.image}@${digest}\``,
      `- Commit: \`${HEAD_SHA}\``,
      '- Params: `alpha=0.1 l1_ratio=0.5 seed=42`',
      `- Data: \`winequality-red\` digest \`${run?.datasets?.[0]?.digest}\``,
      '- Again on a pull request (trains its head): `/train alpha=0.1 l1_ratio=0.5 seed=42`',
      `- Locally, at that commit: \`git checkout ${HEAD_SHA} && trainbot run '/train alpha=0.1 l1_ratio=0.5 seed=42'\``,
      '',
      '</details>',
    ].join('\n'),
  );
}, 300_000);

it('/train cancel: the container gets SIGTERM, its Pod goes, the run is KILLED and the comment says cancelled', async () => {
  const experiment = `real-cancel-${Date.now()}`;
  // On SIGTERM the container tags its own MLflow run, so the test sees the signal arrive in the container.
  // (One config word is at most 256 characters, hence the terse Python.)
  const script = [
    'import os,signal,sys,time,mlflow',
    // The run's own MLflow user is deleted as soon as the run ends, so the handler reports in its log (the Pod
    // stays Terminating while it sleeps), not through MLflow.
    "def stop(*_):print('SIGTERM',flush=True);time.sleep(20);sys.exit(143)",
    "signal.signal(signal.SIGTERM,stop);print('training',flush=True);time.sleep(300)",
  ].join('\n');
  const configText = realNodeConfig(node, ns.name, experiment, { command: ['python', '-c', script] });
  const probot = await testProbot(createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0 }));
  const core = ns.admin.makeApiClient(CoreV1Api);

  mockPrelude(configText);
  const { comments, check } = mockTrainFlow({ updates: 3, confused: true });
  const train = probot.receive(issueCommentEvent({ body: '/train alpha=0.2' }));
  // Running, with its SIGTERM handler in place (it prints once it is).
  const podName = await eventually(
    async () => {
      const pods = (
        await core.listNamespacedPod({ namespace: ns.name, labelSelector: `trainbot.dev/request=${COMMENT_ID}` })
      ).items;
      const running = pods.find((p) => p.status?.containerStatuses?.[0]?.state?.running);
      if (!running) return undefined;
      const log = await core
        .readNamespacedPodLog({ name: running.metadata!.name!, namespace: ns.name })
        .catch(() => '');
      return log.includes('training') ? running.metadata!.name! : undefined;
    },
    120_000,
    'the training container running its handler',
  );

  mockPrelude(configText);
  const answer = expectAnswer();
  const cancel = issueCommentEvent({ body: '/train cancel' });
  cancel.payload.comment.id = COMMENT_ID + 1;
  await probot.receive(cancel);
  await train;

  expect(await answer).toMatch(/^Cancelled 1 run: `trainbot-pr1-[0-9a-f]{12}`\.$/);
  expect((comments.at(-1) ?? '').split('\n').filter((l) => l.includes('trainbot-pr1-'))[0]).toContain('🚫 cancelled');
  expect(check()?.conclusion).toBe('cancelled');
  // The kubelet stopped the container with SIGTERM (its handler reported in), then the Pod went away.
  await eventually(
    async () => {
      const log = await core.readNamespacedPodLog({ name: podName, namespace: ns.name }).catch(() => '');
      return log.includes('SIGTERM') ? true : undefined;
    },
    30_000,
    'the SIGTERM line',
  );
  const experimentId = await tracking.ensureExperiment(experiment);
  const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(COMMENT_ID) });
  expect(runs[0]?.info.status).toBe('KILLED');
  await eventually(
    async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns.name, fieldSelector: `metadata.name=${podName}` }))
        .items;
      return pods.length === 0 ? true : undefined;
    },
    40_000,
    'the Pod gone',
  );
}, 240_000);
