// A trainbot server process for the kill -9 tests (test/integration/app/kill-bot.test.ts) and
// bench/restart-recovery.ts, started by spawnBot (kill-steps.ts): the Probot app of src/index.ts with a
// KubernetesRunner (the bot's own kubeconfig) and the real MLflow, receiving the one delivery in
// TRAINBOT_TEST_EVENT, if any; with TRAINBOT_TEST_RECONCILE_MS it also reconciles as src/index.ts does, at start
// and every interval. GitHub is the loopback stand-in at TRAINBOT_TEST_GITHUB. Runs are signed when
// TRAINBOT_SIGNING_KEY is set, as the deployed bot signs them.
import { readFileSync } from 'node:fs';
import { Probot, ProbotOctokit } from 'probot';
import { OctokitGitHub } from '../../src/github/octokit-github.js';
import { createApp } from '../../src/index.js';
import { startReconciler } from '../../src/pipeline/reconcile.js';
import { KubernetesRunner } from '../../src/runners/kubernetes/kubernetes-runner.js';
import { signingKeyFromEnv, withSigningKey } from '../../src/runs/run-signature.js';
import { botTracking } from './mlflow-tracking.js';

const env = process.env;
const Octokit = ProbotOctokit.defaults({
  baseUrl: env.TRAINBOT_TEST_GITHUB,
  retry: { enabled: false },
  throttle: { enabled: false },
});
const probot = new Probot({ githubToken: 'ghs_test-token', Octokit, logLevel: 'fatal' });
// The tests use a short claim, so they do not wait a minute for it to expire after the kill; the bench the default.
const lease = {
  leaseDurationSeconds: Number(env.TRAINBOT_TEST_LEASE_SECONDS ?? 2),
  leaseRenewSeconds: Number(env.TRAINBOT_TEST_RENEW_SECONDS ?? 0.5),
};
const runner = new KubernetesRunner({ namespace: env.TRAINBOT_NAMESPACE ?? '', podCheckMs: 250, ...lease });
// The deployed bot's MLflow: the admin's credential, and a user of its own for each Job.
const tracking = withSigningKey(botTracking(env), signingKeyFromEnv(env));
const now = () => Number(env.TRAINBOT_TEST_NOW);
const reconcileMs = Number(env.TRAINBOT_TEST_RECONCILE_MS ?? 0);
if (reconcileMs > 0) {
  // Its own runner, as src/index.ts makes one for the reconciler.
  const reconciler = new KubernetesRunner({ namespace: env.TRAINBOT_NAMESPACE ?? '', podCheckMs: 250, ...lease });
  const quiet = { info: () => undefined, error: () => undefined };
  startReconciler(
    {
      runner: reconciler,
      tracking,
      log: quiet,
      now,
      // The stand-in's repository (fake-github-server.ts); github-api.ts has it too, but imports jest.
      githubFor: async () =>
        new OctokitGitHub(new Octokit({ auth: 'ghs_test-token' }), { owner: 'Codertocat', repo: 'Hello-World' }),
    },
    reconcileMs,
  );
  setInterval(() => undefined, 1 << 30); // a server: it lives until it is killed
}
await probot.load(createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0, now }));
if (env.TRAINBOT_TEST_EVENT) await probot.receive(JSON.parse(readFileSync(env.TRAINBOT_TEST_EVENT, 'utf8')));
process.stdout.write('handled\n');
