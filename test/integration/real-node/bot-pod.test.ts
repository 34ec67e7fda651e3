// The bot's own image (the root Dockerfile) as a Pod on the real node, under the security context of
// infrastructure/bot.tf: non-root uid 10001, read-only root, every capability dropped, an emptyDir at /tmp, the
// App's credentials and MLflow's address from the environment. The Pod turns Ready only when Probot answers
// GET /ping with PONG, asked from inside the Pod: its address lives in the node's network namespace, which
// neither the kubelet nor this test can reach (as in mlflow-pod.test.ts), so the probe is an exec of the
// image's own node against 127.0.0.1. The Deployment's probe asks the same path over HTTP.
// The image is built only on request (TRAINBOT_BUILD_BOT_IMAGE=1, scripts/tools/training-image.sh).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { appPrivateKey } from '../../support/app-private-key.js';
import type { TestNamespace } from '../../support/kube-namespace.js';
import { createRealNodeNamespace, realNode } from '../../support/real-node.js';
import { expectPodReady } from '../../support/ready-pod.js';

const image = process.env.TRAINBOT_BOT_IMAGE;
const READY_WITHIN_MS = 120_000;
let ns: TestNamespace;
let core: CoreV1Api;

// Exits 0 only for a 200 whose body is PONG; any other answer, or none within 2 s, keeps the Pod not Ready.
const PING_PROBE =
  "fetch('http://127.0.0.1:3000/ping', { signal: AbortSignal.timeout(2000) })" +
  ".then(async (r) => process.exit(r.status === 200 && (await r.text()) === 'PONG' ? 0 : 1), () => process.exit(1))";

function botPod(mlflowUri: string): V1Pod {
  // A key of the App's kind; the bot never calls GitHub here, so no App has to exist.
  const privateKey = appPrivateKey();
  const env = {
    APP_ID: '123456',
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: randomBytes(16).toString('hex'),
    TRAINBOT_SIGNING_KEY: randomBytes(32).toString('hex'),
    MLFLOW_TRACKING_URI: mlflowUri,
    LOG_FORMAT: 'json',
  };
  return {
    metadata: { name: 'trainbot' },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      securityContext: {
        runAsUser: 10001,
        runAsGroup: 10001,
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }],
      containers: [
        {
          name: 'trainbot',
          image,
          env: Object.entries(env).map(([name, value]) => ({ name, value })),
          ports: [{ name: 'http', containerPort: 3000 }],
          resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          securityContext: {
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          readinessProbe: {
            exec: { command: ['node', '-e', PING_PROBE] },
            periodSeconds: 1,
            timeoutSeconds: 5,
            failureThreshold: 1000,
          },
        },
      ],
    },
  };
}

if (!image) {
  it.skip('runs the bot image as a Pod (not built: set TRAINBOT_BUILD_BOT_IMAGE=1 before scripts/setup.sh)', () =>
    undefined);
} else {
  const node = realNode();

  beforeAll(async () => {
    ns = await createRealNodeNamespace(node, 'real-bot');
    core = ns.admin.makeApiClient(CoreV1Api);
  }, 60_000);

  afterAll(async () => {
    await ns?.delete();
  });

  it(
    'runs the bot image as a non-root Pod on a read-only root that turns Ready when Probot answers /ping',
    async () => {
      const readyMs = await expectPodReady(ns, node, botPod(node.mlflowForPods), image, {
        withinMs: READY_WITHIN_MS,
        everyMs: 500,
      });
      // Probot logged its start in JSON (LOG_FORMAT), so the app loaded with the Secret's values.
      const startLog = await core.readNamespacedPodLog({ namespace: ns.name, name: 'trainbot' });
      expect(startLog).toMatch(/"msg":"Running Probot v14/);
      console.log(`trainbot Pod on the real node: Ready (/ping PONG) ${readyMs} ms after creation`);
    },
    READY_WITHIN_MS + 30_000,
  );
}
