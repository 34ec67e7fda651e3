// The MLflow server image (infrastructure/mlflow.Dockerfile) as one Pod on the real node: the kubelet pulls it
// by digest from the local registry and runs it under the Terraform Deployment's security context (uid 10001,
// read-only root, all capabilities dropped, a writable emptyDir at /tmp). The Pod turns Ready only when its
// probe got `OK` from /health. The probe is an exec probe on purpose: the Pod's address lives inside the node's
// network namespace, which neither the kubelet nor this test can reach, and an exec probe talks to 127.0.0.1
// inside the Pod.
import { afterAll, beforeAll, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import type { TestNamespace } from '../../support/kube-namespace.js';
import { createRealNodeNamespace, realNode } from '../../support/real-node.js';
import { mlflowOnTmp } from '../../support/mlflow-on-tmp.js';
import { expectPodReady } from '../../support/ready-pod.js';

const image = process.env.TRAINBOT_MLFLOW_IMAGE;
if (!image)
  throw new Error(
    'TRAINBOT_MLFLOW_IMAGE is not set; run these tests through scripts/test.sh, which builds and pushes the MLflow image.',
  );
const node = realNode();
const READY_WITHIN_MS = 180_000;
let ns: TestNamespace;

beforeAll(async () => {
  ns = await createRealNodeNamespace(node, 'real-mlflow');
}, 60_000);

afterAll(async () => {
  await ns?.delete();
});

const HEALTH_PROBE =
  "import urllib.request as u; assert u.urlopen('http://127.0.0.1:5000/health', timeout=4).read() == b'OK'";

function mlflowPod(): V1Pod {
  return {
    metadata: { name: 'mlflow' },
    spec: {
      automountServiceAccountToken: false,
      restartPolicy: 'Never',
      securityContext: {
        runAsUser: 10001,
        runAsGroup: 10001,
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
      containers: [
        {
          name: 'mlflow',
          image,
          // Listening on every address of the Pod: the exec probe asks 127.0.0.1.
          ...mlflowOnTmp('0.0.0.0', 5000),
          resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
          securityContext: {
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          readinessProbe: {
            exec: { command: ['python', '-c', HEALTH_PROBE] },
            periodSeconds: 2,
            timeoutSeconds: 5,
            failureThreshold: 1000,
          },
        },
      ],
    },
  };
}

it(
  'runs the MLflow server image as a Pod that answers /health on a read-only root as uid 10001',
  async () => {
    const readyMs = await expectPodReady(ns, node, mlflowPod(), image, { withinMs: READY_WITHIN_MS, everyMs: 1000 });
    console.log(`mlflow Pod on the real node: Ready (/health OK) ${readyMs} ms after creation`);
  },
  READY_WITHIN_MS + 30_000,
);
