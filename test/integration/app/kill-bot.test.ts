// kill -9 on the real stack: the bot runs as a child process (test/support/bot-process.ts) with its own
// ServiceAccount on the loopback API server, the test node and the real MLflow; GitHub is a loopback stand-in
// that leaves the request after a chosen step unanswered, and the test kills the child with SIGKILL there.
// Then another process's reconciler finishes the request. Each case ends with one final comment, the check run
// concluded once, at most one MLflow run and one Job, nothing left running and no claim left.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatchV1Api, CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ProbotOctokit } from 'probot';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { OctokitGitHub } from '../../../src/github/octokit-github.js';
import { reconcileOnce } from '../../../src/pipeline/reconcile.js';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { RUNNER_RBAC_RULES } from '../../../src/runners/kubernetes/rbac-rules.js';
import { botTracking } from '../../support/mlflow-tracking.js';
import { findRequestRuns } from '../../../src/tracking/run-queries.js';
import { REPO } from '../../support/github-api.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { type FakeGitHub, startFakeGitHub } from '../../support/fake-github-server.js';
import { adminKubeconfigPath, createTestNamespace, type TestNamespace } from '../../support/kube-namespace.js';
import { startTestNode, type TestNode } from '../../support/kube-test-node.js';
import {
  COMMENT_AT,
  FULL_NAME,
  HEAD_SHA,
  alphaPointOneReport,
  seedBaseline,
  testConfigText,
} from '../../support/train-comment-mocks.js';

const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );
const ROOT = resolve(import.meta.dirname, '../../..');
const tracking = botTracking();
const experiment = `kill-bot-${Date.now()}`;
let ns: TestNamespace;
let node: TestNode;
let bot: KubeConfig;
let dir: string;
let configText: string;
let baselineStart = 0;

beforeAll(async () => {
  ns = await createTestNamespace('kill');
  bot = await ns.accountWith('trainbot', RUNNER_RBAC_RULES);
  dir = mkdtempSync(join(tmpdir(), 'trainbot-kill-'));
  writeFileSync(join(dir, 'kubeconfig'), bot.exportConfig());
  node = await startTestNode({
    adminKubeconfig: adminKubeconfigPath(),
    namespace: ns.name,
    workdir: join(ROOT, 'training'),
  });
  configText = testConfigText(experiment, trackingUri).replace(/^namespace: .*$/m, `namespace: ${ns.name}`);
  const config = (parseConfig(configText) as { ok: true; config: TrainbotConfig }).config;
  baselineStart = await seedBaseline(
    tracking,
    new KubernetesRunner({ namespace: ns.name, kubeConfig: bot, podCheckMs: 250 }),
    config,
  );
}, 180_000);

afterAll(async () => {
  await node?.stop();
  await ns?.delete();
  rmSync(dir, { recursive: true, force: true });
});

function startBot(github: FakeGitHub, event: object): ChildProcess {
  const eventPath = join(dir, `event-${Date.now()}.json`);
  writeFileSync(eventPath, JSON.stringify(event));
  const tsx = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(ROOT, 'test', 'support', 'bot-process.ts')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      KUBECONFIG: join(dir, 'kubeconfig'),
      MLFLOW_TRACKING_URI: trackingUri,
      MLFLOW_TRACKING_USERNAME: process.env.MLFLOW_TRACKING_USERNAME ?? '',
      MLFLOW_TRACKING_PASSWORD: process.env.MLFLOW_TRACKING_PASSWORD ?? '',
      TRAINBOT_NAMESPACE: ns.name,
      TRAINBOT_TEST_GITHUB: github.url,
      TRAINBOT_TEST_EVENT: eventPath,
      TRAINBOT_TEST_NOW: String(baselineStart + 1000),
    },
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

const killed = (child: ChildProcess) =>
  new Promise<void>((done) => {
    child.on('exit', () => done());
    child.kill('SIGKILL');
  });

type Step = 'after the check run' | 'while waiting for the Job' | 'after the Job finished, before the final comment';
const STEPS: Array<[Step, (method: string, path: string, body: string) => boolean]> = [
  ['after the check run', (m, p) => m === 'GET' && p.endsWith('/issues/1/comments')],
  ['while waiting for the Job', (m, p, b) => m === 'PATCH' && p.includes('/issues/comments/') && b.includes('running')],
  [
    'after the Job finished, before the final comment',
    (m, p, b) => m === 'PATCH' && p.includes('/issues/comments/') && b.includes('| Metric'),
  ],
];

describe('a bot killed with -9 at a step; the reconciler of the next process finishes its request', () => {
  it.each(STEPS)(
    'killed %s',
    async (step, holdAt) => {
      const github = await startFakeGitHub({ headSha: HEAD_SHA, configText, commentAt: COMMENT_AT });
      try {
        const event = issueCommentEvent({ body: '/train alpha=0.1' });
        event.payload.comment.id += 10 + STEPS.findIndex(([s]) => s === step);
        const request = String(event.payload.comment.id);
        const held = github.holdNext(holdAt);
        const child = startBot(github, event);
        await held;
        await killed(child);
        github.release();

        const restarted = Date.now();
        const runner = new KubernetesRunner({ namespace: ns.name, kubeConfig: bot, podCheckMs: 250 });
        const Octokit = ProbotOctokit.defaults({
          baseUrl: github.url,
          retry: { enabled: false },
          throttle: { enabled: false },
        });
        const deps = {
          runner,
          tracking,
          log: { info: () => undefined, error: () => undefined },
          now: () => baselineStart + 1000,
          githubFor: async () => new OctokitGitHub(new Octokit({ auth: 'ghs_test-token' }), REPO),
        };
        // The dead process's claim expires 2 s after its last renewal; a pass before that leaves it alone.
        let finished = false;
        for (let i = 0; i < 40 && !finished; i++) {
          finished = (await reconcileOnce(deps)).some((a) => a.kind === 'finish');
          if (!finished) await new Promise((r) => setTimeout(r, 250));
        }
        expect(finished).toBe(true);
        process.stdout.write(`kill-bot: ${step}: final comment ${Date.now() - restarted} ms after the restart\n`);

        const experimentId = await tracking.ensureExperiment(experiment);
        const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request });
        const jobs = (
          await ns.admin
            .makeApiClient(BatchV1Api)
            .listNamespacedJob({ namespace: ns.name, labelSelector: `trainbot.dev/request=${request}` })
        ).items;
        expect(runs.length).toBeLessThanOrEqual(1);
        expect(jobs.length).toBeLessThanOrEqual(runs.length);
        expect(runs.filter((r) => r.info.status === 'RUNNING' || r.info.status === 'SCHEDULED')).toEqual([]);
        expect(github.checkUpdates).toHaveLength(1);
        const final = github.comments.at(-1) ?? '';
        if (step === 'after the check run') {
          // Killed before or after its MLflow run or Job existed: either way the end is said once, with why.
          expect(github.checkUpdates[0]?.conclusion).toBeDefined();
          if (jobs.length === 0)
            expect(final).toMatch(
              /trainbot (stopped before it started this run's Job|restarted before it started any run)/,
            );
        } else {
          const name = github.comments[0]?.match(/trainbot-pr1-[0-9a-f]{12}/)?.[0];
          expect(final.split('\n').slice(1).join('\n')).toBe(alphaPointOneReport(name));
          expect(github.checkUpdates[0]?.conclusion).toBe('success');
          expect(runs.map((r) => r.info.status)).toEqual(['FINISHED']);
          expect(jobs).toHaveLength(1);
        }
        const leases = await ns.admin.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: ns.name });
        expect(leases.items).toEqual([]);

        // A second pass finds nothing to do and posts nothing.
        const posted = github.comments.length;
        expect(await reconcileOnce(deps)).toEqual([]);
        expect(github.comments).toHaveLength(posted);
        expect(github.checkUpdates).toHaveLength(1);
      } finally {
        await github.close();
      }
    },
    180_000,
  );
});
