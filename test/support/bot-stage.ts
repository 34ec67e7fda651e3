// The stage the bot-process tests play on (kill-bot, actions-recover): a throwaway namespace with the bot's own
// ServiceAccount (exactly the runner's RBAC), a test node that runs the namespace's Pods, a scratch folder for
// the child processes' files, the test config pointed at the namespace and the real MLflow, and main's baseline
// trained through the bot's own code path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseConfig } from '../../src/config/load-config.js';
import type { TrainbotConfig } from '../../src/config/config-types.js';
import { KubernetesRunner } from '../../src/runners/kubernetes/kubernetes-runner.js';
import { RUNNER_RBAC_RULES } from '../../src/runners/kubernetes/rbac-rules.js';
import type { Tracking } from '../../src/tracking/tracking.js';
import { adminKubeconfigPath, createTestNamespace, type TestNamespace } from './kube-namespace.js';
import { startTestNode, type TestNode } from './kube-test-node.js';
import { seedBaseline, testConfigText } from './train-comment-mocks.js';

export interface BotStage {
  ns: TestNamespace;
  node: TestNode;
  botKube: KubeConfig; // the bot's ServiceAccount, straight to the API server
  dir: string; // scratch folder: kubeconfigs, event files
  configText: string;
  baselineStart: number; // when the seeded baseline started (a request's "now" comes after it)
  stop(): Promise<void>;
}

export async function startBotStage(prefix: string, experiment: string, tracking: Tracking): Promise<BotStage> {
  const trackingUri = process.env.MLFLOW_TRACKING_URI;
  if (!trackingUri)
    throw new Error(
      'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
    );
  const ns = await createTestNamespace(prefix);
  const botKube = await ns.accountWith('trainbot', RUNNER_RBAC_RULES);
  const dir = mkdtempSync(join(tmpdir(), `trainbot-${prefix}-`));
  const node = await startTestNode({
    adminKubeconfig: adminKubeconfigPath(),
    namespace: ns.name,
    workdir: resolve(import.meta.dirname, '../../training'),
  });
  const configText = testConfigText(experiment, trackingUri).replace(/^namespace: .*$/m, `namespace: ${ns.name}`);
  const config = (parseConfig(configText) as { ok: true; config: TrainbotConfig }).config;
  const baselineStart = await seedBaseline(
    tracking,
    new KubernetesRunner({ namespace: ns.name, kubeConfig: botKube, podCheckMs: 250 }),
    config,
  );
  return {
    ns,
    node,
    botKube,
    dir,
    configText,
    baselineStart,
    async stop() {
      await node.stop();
      await ns.delete();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
