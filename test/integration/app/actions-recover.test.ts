// The Actions deployment's recovery on the real stack: a `/train` is left mid-flight by a bot process killed
// with -9 (the lost runner: its claim Lease stops being renewed), then the recovery entry runs as the scheduled
// workflow runs it (src/actions-recover.ts, a child process, with the step's env from trainbot-recover.yml and
// what the runner sets for a `schedule` event). It finishes the request once: the final table, the check run
// concluded, nothing left running, no claim left. A second scheduled run finds nothing to do and posts nothing.
// Real MLflow, the loopback kube-apiserver with the bot's own ServiceAccount, the test node; GitHub is the
// loopback stand-in (test/support/fake-github-server.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatchV1Api, CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { claimLease } from '../../../src/runners/kubernetes/claim-lease.js';
import { TRAINBOT_LABELS } from '../../../src/runners/kubernetes/job-manifest.js';
import { JOB_LABELS } from '../../../src/runs/job-spec.js';
import { withSigningKey } from '../../../src/runs/run-signature.js';
import { findRequestRuns } from '../../../src/tracking/run-queries.js';
import { botTracking } from '../../support/mlflow-tracking.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { type FakeGitHub, startFakeGitHub } from '../../support/fake-github-server.js';
import { type BotStage, startBotStage } from '../../support/bot-stage.js';
import type { TestNamespace } from '../../support/kube-namespace.js';
import { spawnBot } from '../../support/kill-steps.js';
import { COMMENT_AT, FULL_NAME, HEAD_SHA, alphaPointOneReport, reportBody } from '../../support/train-comment-mocks.js';

const trackingUri = process.env.MLFLOW_TRACKING_URI ?? '';
const ROOT = resolve(import.meta.dirname, '../../..');
const SIGNING_KEY = 'recover-test-signing-key-0123456789abcdef';
const tracking = withSigningKey(botTracking(), SIGNING_KEY);
const experiment = `actions-recover-${Date.now()}`;
const tsx = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
let stage: BotStage;
let ns: TestNamespace;
let bot: KubeConfig;
let dir: string;
let configText: string;
let baselineStart = 0;

beforeAll(async () => {
  stage = await startBotStage('recover', experiment, tracking);
  ({ ns, botKube: bot, dir, configText, baselineStart } = stage);
  writeFileSync(join(dir, 'kubeconfig'), bot.exportConfig());
}, 180_000);

afterAll(async () => {
  await stage?.stop();
});

/** The train job's bot process (test/support/bot-process.ts: a claim of 2 s, so the test need not wait 60 s). */
function startBot(github: FakeGitHub, event: object): ChildProcess {
  return spawnBot({
    dir,
    kubeconfig: join(dir, 'kubeconfig'),
    namespace: ns.name,
    github: github.url,
    now: baselineStart + 1000,
    event,
    signingKey: SIGNING_KEY,
  }).child;
}

/**
 * The recovery step's env exactly as trainbot-recover.yml writes it, each `${{ … }}` replaced by what this test's
 * repository would hold (an unset variable or secret is empty, as on GitHub), plus what the runner sets.
 */
function recoverEnv(github: FakeGitHub): Record<string, string> {
  type Workflow = { jobs: { recover: { steps: Array<{ run?: string; env?: Record<string, string> }> } } };
  const wf = load(readFileSync(join(ROOT, '.github', 'workflows', 'trainbot-recover.yml'), 'utf8')) as Workflow;
  const step = wf.jobs.recover.steps.find((s) => s.run === 'node dist/actions-recover.js');
  const repository: Record<string, string> = {
    'github.token': 'ghs_test-token',
    'vars.MLFLOW_TRACKING_URI': trackingUri,
    'vars.MLFLOW_TRACKING_USERNAME': process.env.MLFLOW_TRACKING_USERNAME ?? '',
    'secrets.MLFLOW_TRACKING_PASSWORD': process.env.MLFLOW_TRACKING_PASSWORD ?? '',
    'secrets.TRAINBOT_SIGNING_KEY': SIGNING_KEY,
    'vars.TRAINBOT_KUBECONFIG': join(dir, 'kubeconfig'),
  };
  const env = Object.fromEntries(
    Object.entries(step?.env ?? {}).map(([name, value]) => [
      name,
      value.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, expression: string) => repository[expression] ?? ''),
    ]),
  );
  const eventPath = join(dir, 'schedule.json');
  writeFileSync(eventPath, JSON.stringify({ schedule: '7,22,37,52 * * * *' }));
  writeFileSync(join(dir, 'summary.md'), '');
  return {
    ...env,
    PATH: process.env.PATH ?? '',
    HOME: dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: FULL_NAME,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_API_URL: github.url,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
  };
}

/** `node dist/actions-recover.js`, as the step runs it (the source through tsx, so the test sees the current code). */
function recover(github: FakeGitHub): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', tsx, join(ROOT, 'src', 'actions-recover.ts')], {
    cwd: dir,
    env: recoverEnv(github),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, output, ms: Date.now() - started })));
}

const LOST_RUNNER = 'lost-runner';

/** A claim its holder stopped renewing ten minutes ago, with the notes a `/train` of `repo`'s PR #1 leaves. */
async function expiredClaim(repo: string, request: string, pr = '1'): Promise<void> {
  const notes = { repo, pr, comment: request, request, marker: `train-${request}` };
  const body = claimLease(
    `${repo}#${request}`,
    { holder: LOST_RUNNER, now: Date.now() - 600_000, durationSeconds: 60 },
    notes,
  );
  await ns.admin.makeApiClient(CoordinationV1Api).createNamespacedLease({ namespace: ns.name, body });
}

/** An unfinished Job of that request: suspended, so no Pod ever runs and it stays unfinished. */
async function runningJob(repo: string, request: string): Promise<void> {
  await ns.admin.makeApiClient(BatchV1Api).createNamespacedJob({
    namespace: ns.name,
    body: {
      metadata: {
        name: `trainbot-still-running-${request}`,
        labels: {
          ...TRAINBOT_LABELS,
          [JOB_LABELS.repo]: repo.replace('/', '.'),
          [JOB_LABELS.request]: request,
          [JOB_LABELS.pr]: '1',
        },
      },
      spec: {
        suspend: true,
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'train', image: 'busybox', command: ['true'] }] },
        },
      },
    },
  });
}

const leaseHolders = async () =>
  Object.fromEntries(
    (await ns.admin.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: ns.name })).items.map((l) => [
      l.metadata?.annotations?.['trainbot.dev/request-key'] ?? '',
      l.spec?.holderIdentity,
    ]),
  );

describe('the scheduled recovery workflow finishes what a lost runner left behind', () => {
  it('a request killed after its Job finished, before the final comment: finished once; the next run posts nothing and takes nothing over', async () => {
    const github = await startFakeGitHub({ headSha: HEAD_SHA, configText, commentAt: COMMENT_AT });
    try {
      const event = issueCommentEvent({ body: '/train alpha=0.1' });
      event.payload.comment.id += 100;
      // A workflow's event file names no App installation; the claim then carries none either.
      delete (event.payload as { installation?: unknown }).installation;
      const request = String(event.payload.comment.id);
      const held = github.holdNext(
        (m, p, b) => m === 'PATCH' && p.includes('/issues/comments/') && b.includes('| Metric'),
      );
      const child = startBot(github, event);
      await held;
      await new Promise<void>((exited) => {
        child.on('exit', () => exited());
        child.kill('SIGKILL');
      });
      github.release();
      const postedBefore = github.comments.length;
      // Next to it in the namespace: another repository's lost request (not this workflow's to finish, its token
      // cannot reach it), and a lost request of this repository whose Job still runs (a later run finishes it).
      await expiredClaim('someone/else', '7');
      await expiredClaim(FULL_NAME, 'still-running');
      await runningJob(FULL_NAME, 'still-running');
      const untouched = { 'someone/else#7': LOST_RUNNER, [`${FULL_NAME}#still-running`]: LOST_RUNNER };
      // The lost runner's claim expires 2 s after its last renewal.
      await new Promise((r) => setTimeout(r, 2500));

      const first = await recover(github);
      process.stdout.write(`actions-recover: the scheduled pass took ${first.ms} ms to the final comment and exit\n`);
      expect(first.output).toContain('1 request(s) finished, 1 left while their Jobs run, 0 unclaimed Job(s) deleted');
      expect(first.code).toBe(0);
      // The job summary: the counts, then one line per request (in the order the Leases were listed).
      const summary = readFileSync(join(dir, 'summary.md'), 'utf8').split('\n');
      expect(summary.slice(0, 4)).toEqual([
        '### trainbot recovery',
        '',
        `In namespace \`${ns.name}\`: 1 request(s) finished, 1 left while their Jobs run, 0 unclaimed Job(s) deleted.`,
        '',
      ]);
      expect(summary.slice(4).sort()).toEqual([
        '',
        `- Pull request #1, request \`${request}\`: finished.`,
        '- Pull request #1, request `still-running`: its Jobs still run; a later run finishes it.',
      ]);

      const name = github.comments[0]?.match(/trainbot-pr1-[0-9a-f]{12}/)?.[0];
      expect(github.comments).toHaveLength(postedBefore + 1);
      const final = reportBody(github.comments.at(-1) ?? '')
        .split('\n')
        .slice(1);
      const expected = alphaPointOneReport(name).split('\n');
      // The baseline's age is the only line that depends on when the pass ran.
      expect(final.slice(0, -1)).toEqual(expected.slice(0, -1));
      expect(final.at(-1)).toMatch(/^Commit `ec26c3e` compared with the baseline `1f1b3c9` on `main`, trained .+\.$/);
      expect(github.checkUpdates).toEqual([expect.objectContaining({ conclusion: 'success' })]);
      expect(github.reactions).toEqual(['eyes', 'rocket']);

      const experimentId = await tracking.ensureExperiment(experiment);
      const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request });
      expect(runs.map((r) => r.info.status)).toEqual(['FINISHED']);
      const jobs = await ns.admin
        .makeApiClient(BatchV1Api)
        .listNamespacedJob({ namespace: ns.name, labelSelector: `trainbot.dev/request=${request}` });
      expect(jobs.items).toHaveLength(1);
      // The finished request's claim is gone; the other two are as the lost runner left them.
      expect(await leaseHolders()).toEqual(untouched);

      const second = await recover(github);
      // No TRAINBOT_NAMESPACE (the variable is unset): the namespace of the default branch's config.
      expect(second.output).toContain(
        `In namespace ${ns.name}: 0 request(s) finished, 1 left while their Jobs run, 0 unclaimed Job(s) deleted.`,
      );
      expect(await leaseHolders()).toEqual(untouched);
      expect(second.code).toBe(0);
      expect(github.comments).toHaveLength(postedBefore + 1);
      expect(github.checkUpdates).toHaveLength(1);
      expect(github.reactions).toEqual(['eyes', 'rocket']);

      // A request that cannot be finished (GitHub does not know its pull request): the run fails and says so.
      await expiredClaim(FULL_NAME, 'pr-gone', '2');
      const third = await recover(github);
      expect(third.output).toContain(
        'trainbot: 1 step(s) of the recovery failed (the log above says which); the next scheduled run of this workflow tries again.',
      );
      expect(third.code).toBe(1);
      expect(github.comments).toHaveLength(postedBefore + 1);
    } finally {
      await github.close();
    }
  }, 180_000);
});
