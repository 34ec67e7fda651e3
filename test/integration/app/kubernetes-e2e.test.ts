// The whole story for real: a `/train` webhook → the Probot app → a Job on the loopback Kubernetes API
// (created with the bot's ServiceAccount, bound to exactly RUNNER_RBAC_RULES) → the real Job controller →
// the test node runs training/train.py → the real MLflow (PostgreSQL store) → the table in the PR comment.
// Only GitHub is mocked.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { BatchV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { resolve } from 'node:path';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { createApp } from '../../../src/index.js';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { RUNNER_RBAC_RULES } from '../../../src/runners/kubernetes/rbac-rules.js';
import { findRequestRuns } from '../../../src/tracking/run-queries.js';
import { useGitHubApi } from '../../support/github-api.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { testProbot } from '../../support/github-probot.js';
import { adminKubeconfigPath, createTestNamespace, type TestNamespace } from '../../support/kube-namespace.js';
import { startTestNode, type TestNode } from '../../support/kube-test-node.js';
import {
  COMMENT_ID,
  FULL_NAME,
  HEAD_SHA,
  mockHeadPushes,
  mockPrelude,
  mockPullAndConfig,
  mockTrainFlow,
  mockTrainFlowFor,
  testConfigText,
  alphaPointOneReport,
  reportBody,
  seedBaseline,
} from '../../support/train-comment-mocks.js';
import { botTracking } from '../../support/mlflow-tracking.js';
import { MlflowUsers } from '../../../src/tracking/mlflow-users.js';
import { runUsername } from '../../../src/tracking/run-credentials.js';
import { mockGitHub, REPO } from '../../support/github-api.js';
import { testOctokit } from '../../support/github-probot.js';
import { OctokitGitHub } from '../../../src/github/octokit-github.js';
import { reconcileOnce } from '../../../src/pipeline/reconcile.js';

const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );

const tracking = botTracking();
const users = new MlflowUsers({
  trackingUri: trackingUri as string,
  auth: { username: process.env.MLFLOW_TRACKING_USERNAME ?? '', password: process.env.MLFLOW_TRACKING_PASSWORD ?? '' },
});
const experiment = `k8s-e2e-${Date.now()}`;
let ns: TestNamespace;
let node: TestNode;
let runner: KubernetesRunner;
let botConfig: KubeConfig;
let configText: string;
let config: TrainbotConfig;
let baselineStart = 0;

useGitHubApi();

beforeAll(async () => {
  ns = await createTestNamespace('e2e');
  const bot = await ns.accountWith('trainbot', RUNNER_RBAC_RULES);
  botConfig = bot;
  node = await startTestNode({
    adminKubeconfig: adminKubeconfigPath(),
    namespace: ns.name,
    workdir: resolve(import.meta.dirname, '../../../training'),
  });
  runner = new KubernetesRunner({ namespace: ns.name, kubeConfig: bot, podCheckMs: 250 });
  configText = testConfigText(experiment, trackingUri).replace(/^namespace: .*$/m, `namespace: ${ns.name}`);
  config = (parseConfig(configText) as { ok: true; config: TrainbotConfig }).config;
  // The baseline on main, trained as a Job too.
  baselineStart = await seedBaseline(tracking, runner, config);
}, 180_000);

afterAll(async () => {
  await node?.stop();
  await ns?.delete();
});

it('runs a /train comment as a Job on a real API server and posts the comparison table', async () => {
  mockPrelude(configText);
  const { comments, check } = mockTrainFlow({ updates: 3 });
  const probot = await testProbot(
    createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0, now: () => baselineStart + 1000 }),
  );
  await probot.receive(issueCommentEvent({ body: '/train alpha=0.1' }));

  const name = comments[0]?.match(/trainbot-pr1-[0-9a-f]{12}/)?.[0];
  expect(reportBody(comments.at(-1)?.split('\n').slice(1).join('\n') ?? '')).toBe(alphaPointOneReport(name));
  expect(check()?.conclusion).toBe('success');

  // The Job the bot created: the head sha's image, flags without a shell, the run contract's env.
  const experimentId = await tracking.ensureExperiment(experiment);
  const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(COMMENT_ID) });
  const admin = ns.admin.makeApiClient(BatchV1Api);
  const job = await admin.readNamespacedJob({ name: name as string, namespace: ns.name });
  const container = job.spec?.template.spec?.containers[0];
  expect(job.metadata?.labels).toMatchObject({
    'trainbot.dev/pr': '1',
    'trainbot.dev/sha': HEAD_SHA,
    'trainbot.dev/request': String(COMMENT_ID),
  });
  expect(container?.image).toBe(`ghcr.io/trainbot-dev/trainbot-training:${HEAD_SHA}`);
  expect(container?.command).toEqual(['python', 'train.py']);
  expect(container?.args).toEqual(['--alpha', '0.1', '--l1-ratio', '0.5', '--seed', '42']);
  // The run's own MLflow user, from the Secret the Job owns; the user itself is gone now the run ended.
  const own = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name, key } } });
  expect(container?.env).toEqual([
    { name: 'MLFLOW_TRACKING_URI', value: trackingUri },
    { name: 'MLFLOW_EXPERIMENT_NAME', value: experiment },
    { name: 'MLFLOW_RUN_ID', value: runs[0]?.info.runId },
    own('MLFLOW_TRACKING_USERNAME'),
    own('MLFLOW_TRACKING_PASSWORD'),
  ]);
  const secret = await ns.admin
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ name: name as string, namespace: ns.name });
  expect(Buffer.from(secret.data?.MLFLOW_TRACKING_USERNAME ?? '', 'base64').toString()).toBe(
    runUsername(runs[0]?.info.runId as string),
  );
  expect(await users.userExists(runUsername(runs[0]?.info.runId as string))).toBe(false);
  expect(job.status?.succeeded).toBe(1);
}, 180_000);

it('starts one set of runs when two bot replicas get the same delivery at the same time', async () => {
  // Two replicas: two apps, each with its own runner (no memory shared), bound to the same namespace. Both read
  // the PR, the config and the permission; GitHub mocks one train flow, so a second handling would either fail
  // on an unmocked request or, if it got through, create a second Job and MLflow run.
  const replica = async () =>
    testProbot(
      createApp({
        tracking,
        now: () => baselineStart + 1000,
        commentIntervalMs: 0,
        runnerFor: () => new KubernetesRunner({ namespace: ns.name, kubeConfig: botConfig, podCheckMs: 250 }),
      }),
    );
  const [one, two] = [await replica(), await replica()];
  const event = issueCommentEvent({ body: '/train alpha=0.2' });
  event.payload.comment.id += 1; // a comment of its own, so the first test's runs do not count
  mockPrelude(configText);
  mockPrelude(configText);
  const reactions = mockTrainFlowFor(event.payload.comment.id);

  const outcomes = await Promise.allSettled([one.receive(event), two.receive(event)]);

  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
  expect(reactions.check()?.conclusion).toBeDefined();
  const experimentId = await tracking.ensureExperiment(experiment);
  const { runs } = await findRequestRuns(tracking, {
    experimentId,
    repo: FULL_NAME,
    request: String(event.payload.comment.id),
  });
  expect(runs).toHaveLength(1);
  const jobs = await ns.admin
    .makeApiClient(BatchV1Api)
    .listNamespacedJob({ namespace: ns.name, labelSelector: `trainbot.dev/request=${event.payload.comment.id}` });
  expect(jobs.items).toHaveLength(1);
  // The claim is given back once the request ended: a Lease per request would otherwise pile up.
  const leases = await ns.admin.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: ns.name });
  expect(leases.items.map((l) => l.metadata?.name)).toEqual([]);
}, 180_000);

it('finishes, once, a request whose bot stopped while its Job ran: a second process takes the expired claim over', async () => {
  // The first process stops for good while waiting for its Job (its wait never returns, its Lease is never
  // renewed: what `kill -9` leaves). Its Job runs on; the reconciler of another process finishes the request.
  const dead = new KubernetesRunner({
    namespace: ns.name,
    kubeConfig: botConfig,
    podCheckMs: 250,
    leaseDurationSeconds: 2,
    leaseRenewSeconds: 3600,
  });
  dead.wait = () => new Promise(() => undefined);
  const event = issueCommentEvent({ body: '/train alpha=0.1' });
  event.payload.comment.id += 2;
  const commentId = event.payload.comment.id;
  const BOT = { login: 'trainbot[bot]', type: 'Bot' };
  const comments: string[] = [];
  let check: { conclusion?: string; output?: { title: string } } | undefined;
  let checkUpdates = 0;
  const bodyOf = async (request: Request) => ((await request.json()) as { body: string }).body;
  mockPrelude(configText);
  mockHeadPushes();
  const reaction = (content: string) =>
    mockGitHub('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      params: { comment_id: commentId },
      body: { content },
    }).reply(201, {});
  reaction('eyes');
  reaction('rocket');
  mockGitHub('POST', '/repos/{owner}/{repo}/check-runs', {
    body: {
      name: 'trainbot',
      head_sha: HEAD_SHA,
      external_id: `train:1:${event.payload.comment.id}`,
      status: 'in_progress',
      output: { title: 'Training', summary: 'Requested by @Codertocat for `ec26c3e`.' },
    },
  }).reply(201, { id: 78 });
  mockGitHub('GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', {
    params: { issue_number: 1 },
    query: { per_page: 100 },
  })
    .reply(200, () => (comments.length ? [{ id: 501, body: comments.at(-1), user: BOT }] : []))
    .persist();
  mockGitHub('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', { params: { issue_number: 1 } }).reply(
    201,
    async (request: Request) => {
      comments.push(await bodyOf(request));
      return { id: 501 };
    },
  );
  mockGitHub('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', { params: { comment_id: 501 } })
    .reply(200, async (request: Request) => {
      comments.push(await bodyOf(request));
      return { id: 501 };
    })
    .persist();
  mockGitHub('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', { params: { check_run_id: 78 } })
    .reply(200, async (request: Request) => {
      checkUpdates += 1;
      check = (await request.json()) as typeof check;
      return { id: 78 };
    })
    .persist();

  const first = await testProbot(
    createApp({ tracking, runnerFor: () => dead, commentIntervalMs: 0, now: () => baselineStart + 1000 }),
  );
  void first.receive(event);
  const admin = ns.admin.makeApiClient(BatchV1Api);
  const jobsOf = async () =>
    (await admin.listNamespacedJob({ namespace: ns.name, labelSelector: `trainbot.dev/request=${commentId}` })).items;
  for (let i = 0; i < 600 && !(comments.some((c) => c.includes('running')) && (await jobsOf()).length > 0); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(await jobsOf()).toHaveLength(1);

  // The reconciler of a live process, once the dead one's 2 s claim has expired (a live claim is never taken
  // over: test/integration/kubernetes/kubernetes-runner.test.ts).
  mockPullAndConfig(configText);
  const second = new KubernetesRunner({ namespace: ns.name, kubeConfig: botConfig, podCheckMs: 250 });
  const deps = {
    runner: second,
    tracking,
    log: { info: () => undefined, error: () => undefined },
    now: () => baselineStart + 1000,
    githubFor: async () => new OctokitGitHub(testOctokit(), REPO),
  };
  await new Promise((r) => setTimeout(r, 2100));
  const actions = await reconcileOnce(deps);
  expect(actions.map((a) => a.kind)).toEqual(['finish']);

  const name = comments[0]?.match(/trainbot-pr1-[0-9a-f]{12}/)?.[0];
  expect(reportBody(comments.at(-1)?.split('\n').slice(1).join('\n') ?? '')).toBe(alphaPointOneReport(name));
  expect(check?.conclusion).toBe('success');
  expect(checkUpdates).toBe(1);
  const experimentId = await tracking.ensureExperiment(experiment);
  const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(commentId) });
  expect(runs.map((r) => r.info.status)).toEqual(['FINISHED']);
  expect(await jobsOf()).toHaveLength(1);
  const leases = await ns.admin.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: ns.name });
  expect(leases.items).toEqual([]);
  // Nothing is left to do: another pass finds nothing and posts nothing.
  const posted = comments.length;
  expect(await reconcileOnce(deps)).toEqual([]);
  expect(comments).toHaveLength(posted);
  expect(checkUpdates).toBe(1);
}, 180_000);
