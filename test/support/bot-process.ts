// A trainbot server process for the kill -9 tests (test/integration/app/kill-bot.test.ts): the Probot app of
// src/index.ts with a KubernetesRunner (the bot's own kubeconfig) and the real MLflow, receiving the one
// delivery in TRAINBOT_TEST_EVENT; GitHub is the loopback stand-in at TRAINBOT_TEST_GITHUB. Runs are signed
// when TRAINBOT_SIGNING_KEY is set, as the deployed bot signs them.
import { readFileSync } from 'node:fs';
import { Probot, ProbotOctokit } from 'probot';
import { createApp } from '../../src/index.js';
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
// A short claim, so the test does not wait a minute for it to expire after the kill.
const runner = new KubernetesRunner({
  namespace: env.TRAINBOT_NAMESPACE ?? '',
  podCheckMs: 250,
  leaseDurationSeconds: 2,
  leaseRenewSeconds: 0.5,
});
await probot.load(
  createApp({
    // The deployed bot's MLflow: the admin's credential, and a user of its own for each Job.
    tracking: withSigningKey(botTracking(env), signingKeyFromEnv(env)),
    runnerFor: () => runner,
    commentIntervalMs: 0,
    now: () => Number(env.TRAINBOT_TEST_NOW),
  }),
);
await probot.receive(JSON.parse(readFileSync(env.TRAINBOT_TEST_EVENT ?? '', 'utf8')));
process.stdout.write('handled\n');
