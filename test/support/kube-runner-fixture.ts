// What every KubernetesRunner integration test needs: its own namespace, the bot's ServiceAccount bound to
// exactly RUNNER_RBAC_RULES, a test node that runs the Pods, and a runner using the bot's token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesRunner } from '../../src/runners/kubernetes/kubernetes-runner.js';
import type { KubernetesRunnerOptions } from '../../src/runners/kubernetes/kubernetes-runner.js';
import { RUNNER_RBAC_RULES } from '../../src/runners/kubernetes/rbac-rules.js';
import type { JobSpec } from '../../src/runners/runner.js';
import { adminKubeconfigPath, createTestNamespace } from './kube-namespace.js';
import type { TestNamespace } from './kube-namespace.js';
import { startTestNode } from './kube-test-node.js';
import type { TestNode, TestNodeOptions } from './kube-test-node.js';

export interface RunnerFixture {
  ns: TestNamespace;
  node: TestNode;
  bot: KubeConfig; // the bot's credentials (RUNNER_RBAC_RULES only)
  runner: KubernetesRunner;
  workdir: string;
  stop(): Promise<void>;
}

export interface FixtureOptions {
  server?: string; // reach the API server through another address (a proxy)
  runner?: Partial<KubernetesRunnerOptions>;
  onPodFinished?: TestNodeOptions['onPodFinished'];
}

export async function runnerFixture(prefix: string, options: FixtureOptions = {}): Promise<RunnerFixture> {
  const ns = await createTestNamespace(prefix);
  const bot = await ns.accountWith('trainbot', RUNNER_RBAC_RULES, options.server);
  const workdir = mkdtempSync(join(tmpdir(), 'trainbot-kube-work-'));
  const node = await startTestNode({
    adminKubeconfig: adminKubeconfigPath(),
    namespace: ns.name,
    workdir,
    onPodFinished: options.onPodFinished,
  });
  // Fast pod checks and reconnects: the tests wait on them. The test node's ':missing' images never pull,
  // so a 1 s grace is enough to tell a given-up pull from the first failure.
  const runner = new KubernetesRunner({
    namespace: ns.name,
    kubeConfig: bot,
    podCheckMs: 250,
    reconnectMs: 100,
    imagePullGraceSeconds: 1,
    ...options.runner,
  });
  return {
    ns,
    node,
    bot,
    runner,
    workdir,
    async stop() {
      await node.stop();
      await ns.delete();
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}

/** A small training-like JobSpec whose container is `python -c SCRIPT ARGS…` (the test node runs it). */
export function pythonSpec(name: string, script: string, overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    name,
    image: 'registry.local/trainbot/wine:0123abc',
    command: ['python', '-c', script],
    args: [],
    env: {},
    secretEnv: [],
    labels: { 'trainbot.dev/pr': '12' },
    timeoutSeconds: 60,
    backoffLimit: 0,
    ttlSecondsAfterFinished: 600,
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '512Mi' } },
    ...overrides,
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 15000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
