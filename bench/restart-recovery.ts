// How long a PR whose bot was killed with -9 waits for its final comment after the bot is started again: for each
// step of test/support/kill-steps.ts, the bot (test/support/bot-process.ts, a child process with its own
// ServiceAccount, the real MLflow, the test node and the loopback GitHub stand-in) is killed there, a new bot
// process is started at once, and the clock runs from that start to the final comment on the stand-in. The new
// process reconciles as src/index.ts does: at start and every interval.
//   default: claims of 60 s renewed every 15 s (KubernetesRunner's defaults), a pass every 60 s (src/index.ts)
//   short:   claims of 2 s renewed every 0.5 s, a pass every 1 s (only to show what the settings cost)
// Run: . scripts/lib.sh; source scripts/setup.sh; . scripts/services/mlflow.sh; . scripts/services/kube.sh;
//      start_mlflow; start_kube; npx tsx bench/restart-recovery.ts [default|short|both] [step-name-substring]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { parseConfig } from '../src/config/load-config.js';
import type { TrainbotConfig } from '../src/config/config-types.js';
import { executeRuns } from '../src/pipeline/execute-runs.js';
import { planBaseline } from '../src/runs/plan.js';
import { CLAIM_KEY_ANNOTATION } from '../src/runners/kubernetes/claim-lease.js';
import { KubernetesRunner } from '../src/runners/kubernetes/kubernetes-runner.js';
import { RUNNER_RBAC_RULES } from '../src/runners/kubernetes/rbac-rules.js';
import { experimentName } from '../src/tracking/experiment-names.js';
import { startFakeGitHub } from '../test/support/fake-github-server.js';
import { issueCommentEvent } from '../test/support/github-events.js';
import { apiServerCertificate, startHoldProxy } from '../test/support/hold-proxy.js';
import { adminKubeconfigPath, createTestNamespace, tokenConfig } from '../test/support/kube-namespace.js';
import { startTestNode } from '../test/support/kube-test-node.js';
import { KILL_STEPS, killed, spawnBot, untilHeld } from '../test/support/kill-steps.js';
import { botTracking } from '../test/support/mlflow-tracking.js';

const SETTINGS = {
  default: { lease: { durationSeconds: 60, renewSeconds: 15 }, reconcileMs: 60_000 },
  short: { lease: { durationSeconds: 2, renewSeconds: 0.5 }, reconcileMs: 1_000 },
} as const;
type Setting = keyof typeof SETTINGS;
const which = process.argv[2] ?? 'both';
const settings: Setting[] = which === 'both' ? ['short', 'default'] : [which as Setting];
const steps = KILL_STEPS.filter((s) => s.name.includes(process.argv[3] ?? ''));

const ROOT = resolve(import.meta.dirname, '..');
const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821'; // the stand-in's PR head (as in train-comment-mocks.ts)
const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri) throw new Error('MLFLOW_TRACKING_URI is not set: start MLflow first (see the header).');
const tracking = botTracking();
const experiment = `bench-restart-${Date.now()}`;
const configText = readFileSync(join(ROOT, '.github/trainbot.yml'), 'utf8')
  .replace(/^experiment: .*$/m, `experiment: ${experiment}`)
  .replace(/^tracking_uri: .*$/m, `tracking_uri: ${trackingUri}`);

const ns = await createTestNamespace('bench-restart');
const dir = mkdtempSync(join(tmpdir(), 'trainbot-bench-restart-'));
const botKube = await ns.accountWith('trainbot', RUNNER_RBAC_RULES);
const proxy = await startHoldProxy(
  botKube.getCurrentCluster()?.server ?? '',
  apiServerCertificate(adminKubeconfigPath()),
);
const token = botKube.getCurrentUser()?.token ?? '';
// The killed process goes through the proxy, the restarted one straight to the API server.
writeFileSync(join(dir, 'via-proxy'), tokenConfig(ns.admin, token, proxy.url).exportConfig());
writeFileSync(join(dir, 'direct'), botKube.exportConfig());
const node = await startTestNode({
  adminKubeconfig: adminKubeconfigPath(),
  namespace: ns.name,
  workdir: join(ROOT, 'training'),
});
const leases = ns.admin.makeApiClient(CoordinationV1Api);
try {
  const text = configText.replace(/^namespace: .*$/m, `namespace: ${ns.name}`);
  const config = (parseConfig(text) as { ok: true; config: TrainbotConfig }).config;
  // main's baseline, so the reports are full tables.
  const runner = new KubernetesRunner({ namespace: ns.name, kubeConfig: botKube, podCheckMs: 250 });
  const seeded = Date.now();
  const [baseline] = await executeRuns({
    plans: [planBaseline(config)],
    config,
    experimentId: await tracking.ensureExperiment(experimentName(config, 'baseline')),
    tracking,
    runner,
    origin: { repo: 'Codertocat/Hello-World', sha: '1'.repeat(40), branch: 'main', request: 'seed', role: 'baseline' },
  });
  if (baseline?.state !== 'finished') throw new Error(`the baseline did not finish: ${JSON.stringify(baseline)}`);

  const rows: string[] = [];
  let id = 0;
  for (const step of steps) {
    const cells: string[] = [];
    for (const setting of settings) {
      const { lease, reconcileMs } = SETTINGS[setting];
      const github = await startFakeGitHub({ headSha: HEAD_SHA, configText: text, commentAt: '2019-05-15T15:20:33Z' });
      const event = issueCommentEvent({ body: '/train alpha=0.1' });
      event.payload.comment.id += 1000 + id++;
      const common = { dir, namespace: ns.name, github: github.url, now: seeded + 1000, lease };
      let restarted: ReturnType<typeof spawnBot> | undefined;
      try {
        const held =
          step.at === 'github' ? github.holdNext(step.held, { handled: step.handled }) : proxy.holdNext(step.held);
        const first = spawnBot({ ...common, kubeconfig: join(dir, 'via-proxy'), event });
        await untilHeld(first, held, step.name);
        await killed(first.child);
        github.release();
        const start = Date.now();
        restarted = spawnBot({ ...common, kubeconfig: join(dir, 'direct'), reconcileMs });
        // Done when the request's claim is gone (released after the final comment, check and reaction).
        let seen = github.comments.length;
        let lastComment = 0;
        for (;;) {
          await new Promise((r) => setTimeout(r, 100));
          if (github.comments.length !== seen) [seen, lastComment] = [github.comments.length, Date.now()];
          const claims = (await leases.listNamespacedLease({ namespace: ns.name })).items;
          const key = `Codertocat/Hello-World#${event.payload.comment.id}`;
          if (lastComment > 0 && !claims.some((l) => l.metadata?.annotations?.[CLAIM_KEY_ANNOTATION] === key)) break;
          if (Date.now() - start > 600_000)
            throw new Error(`${step.name} (${setting}): no final comment after 10 minutes`);
        }
        const seconds = (lastComment - start) / 1000;
        process.stderr.write(`${step.name} (${setting}): final comment ${seconds.toFixed(1)} s after the restart\n`);
        cells.push(`${seconds.toFixed(1)} s`);
      } finally {
        if (restarted) await killed(restarted.child);
        await github.close();
      }
    }
    rows.push(`| ${step.name} | ${cells.join(' | ')} |`);
  }
  const label = {
    default: 'default: claim 60 s / renew 15 s, pass every 60 s',
    short: 'short: claim 2 s / renew 0.5 s, pass every 1 s',
  };
  console.log("Restart → the stuck PR's final comment (the new process started at once after the kill -9):\n");
  console.log(`| killed | ${settings.map((s) => label[s]).join(' | ')} |`);
  console.log(`| :-- | ${settings.map(() => '--:').join(' | ')} |`);
  for (const row of rows) console.log(row);
} finally {
  await proxy.close();
  await node.stop();
  await ns.delete();
  rmSync(dir, { recursive: true, force: true });
}
