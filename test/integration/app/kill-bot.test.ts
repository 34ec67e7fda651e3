// kill -9 on the real stack: the bot runs as a child process (test/support/bot-process.ts) with its own
// ServiceAccount on the loopback API server, the test node and the real MLflow. At each step of
// test/support/kill-steps.ts one request is left unanswered and unsent (GitHub's by the loopback stand-in, the API
// server's by a hold-proxy), and the test kills the child with SIGKILL there. Then another process's reconciler
// finishes the request. Each case ends with one final comment, the check run concluded once (when there is one),
// at most one MLflow run and one Job, nothing left running, no run user left and no claim left.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ProbotOctokit } from 'probot';
import { OctokitGitHub } from '../../../src/github/octokit-github.js';
import { reconcileOnce } from '../../../src/pipeline/reconcile.js';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { jobFinish } from '../../../src/runners/kubernetes/job-outcome.js';
import { trackingOptionsFromEnv } from '../../../src/tracking/mlflow-client.js';
import { MlflowUsers } from '../../../src/tracking/mlflow-users.js';
import { runUsername } from '../../../src/tracking/run-credentials.js';
import { findRequestRuns } from '../../../src/tracking/run-queries.js';
import { botTracking } from '../../support/mlflow-tracking.js';
import { REPO } from '../../support/github-api.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { startFakeGitHub } from '../../support/fake-github-server.js';
import { type HoldProxy, apiServerCertificate, startHoldProxy } from '../../support/hold-proxy.js';
import { type BotStage, startBotStage } from '../../support/bot-stage.js';
import { adminKubeconfigPath, tokenConfig, type TestNamespace } from '../../support/kube-namespace.js';
import { KILL_STEPS, type KillStep, killed, spawnBot, untilHeld } from '../../support/kill-steps.js';
import { COMMENT_AT, FULL_NAME, HEAD_SHA, alphaPointOneReport, reportBody } from '../../support/train-comment-mocks.js';

const tracking = botTracking();
const users = new MlflowUsers(trackingOptionsFromEnv(process.env));
const experiment = `kill-bot-${Date.now()}`;
let stage: BotStage;
let ns: TestNamespace;
let botKube: KubeConfig; // the bot's ServiceAccount, straight to the API server
let proxy: HoldProxy;
let dir: string;
let configText: string;
let baselineStart = 0;

beforeAll(async () => {
  stage = await startBotStage('kill', experiment, tracking);
  ({ ns, botKube, dir, configText, baselineStart } = stage);
  // The killed process reaches the API server through the proxy; the reconciler and the checks go straight to it.
  proxy = await startHoldProxy(botKube.getCurrentCluster()?.server ?? '', apiServerCertificate(adminKubeconfigPath()));
  writeFileSync(
    join(dir, 'kubeconfig'),
    tokenConfig(ns.admin, botKube.getCurrentUser()?.token ?? '', proxy.url).exportConfig(),
  );
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  await stage?.stop();
});

describe('a bot killed with -9 at a step; the reconciler of the next process finishes its request', () => {
  it.each(KILL_STEPS.map((step) => [step.name, step] as const))(
    'killed %s',
    async (_name, step: KillStep) => {
      const github = await startFakeGitHub({ headSha: HEAD_SHA, configText, commentAt: COMMENT_AT });
      try {
        const event = issueCommentEvent({ body: '/train alpha=0.1' });
        event.payload.comment.id += 10 + KILL_STEPS.indexOf(step);
        const request = String(event.payload.comment.id);
        const held =
          step.at === 'github' ? github.holdNext(step.held, { handled: step.handled }) : proxy.holdNext(step.held);
        const bot = spawnBot({
          dir,
          kubeconfig: join(dir, 'kubeconfig'),
          namespace: ns.name,
          github: github.url,
          now: baselineStart + 1000,
          event,
        });
        await untilHeld(bot, held, step.name).catch((error: unknown) => {
          throw new Error(`${String(error)}\nGitHub got: ${JSON.stringify(github.comments)}`);
        });
        await killed(bot.child);
        github.release();

        const restarted = Date.now();
        const runner = new KubernetesRunner({ namespace: ns.name, kubeConfig: botKube, podCheckMs: 250 });
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
        process.stdout.write(`kill-bot: ${step.name}: final comment ${Date.now() - restarted} ms after the restart\n`);

        const experimentId = await tracking.ensureExperiment(experiment);
        const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request });
        const jobs = (
          await ns.admin
            .makeApiClient(BatchV1Api)
            .listNamespacedJob({ namespace: ns.name, labelSelector: `trainbot.dev/request=${request}` })
        ).items;
        const active = jobs.filter((j) => jobFinish(j) === undefined && j.metadata?.deletionTimestamp === undefined);
        expect(runs.length).toBeLessThanOrEqual(1);
        expect(jobs.length).toBeLessThanOrEqual(runs.length);
        expect(active.map((j) => j.metadata?.name)).toEqual([]);
        expect(runs.filter((r) => r.info.status === 'RUNNING' || r.info.status === 'SCHEDULED')).toEqual([]);
        // The run's own MLflow user goes with its run, whoever ends it.
        for (const run of runs) expect(await users.userExists(runUsername(run.info.runId))).toBe(false);
        const final = github.comments.at(-1) ?? '';
        expect(github.comments.filter((c) => c === final)).toHaveLength(1); // the final comment, posted once
        // Killed before GitHub created the check run, there is none to conclude; one it created is concluded, even
        // when its id never reached the bot.
        const checks = step.end === 'nothing-started' && !step.handled ? 0 : 1;
        expect(github.checkUpdates).toHaveLength(checks);
        if (step.end === 'nothing-started') {
          expect(runs).toEqual([]);
          if (step.handled) expect(github.checkUpdates[0]?.conclusion).toBe('failure');
          expect(final).toMatch(/trainbot restarted before it started any run/);
          expect(github.reactions).toEqual(['eyes', 'confused']);
        } else if (step.end === 'run-or-nothing') {
          // Killed before or after its MLflow run or Job existed: either way the end is said once, with why.
          expect(github.checkUpdates[0]?.conclusion).toBeDefined();
          if (jobs.length === 0)
            expect(final).toMatch(
              /trainbot (stopped before it started this run's Job|restarted before it started any run)/,
            );
        } else if (step.end === 'never-started') {
          expect(runs.map((r) => r.info.status)).toEqual(['FAILED']);
          expect(final).toContain("trainbot stopped before it started this run's Job");
          expect(github.checkUpdates[0]?.conclusion).toBe('failure');
        } else {
          const name = github.comments[0]?.match(/trainbot-pr1-[0-9a-f]{12}/)?.[0];
          expect(reportBody(final.split('\n').slice(1).join('\n'))).toBe(alphaPointOneReport(name));
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
        expect(github.checkUpdates).toHaveLength(checks);
      } finally {
        await github.close();
      }
    },
    180_000,
  );
});
