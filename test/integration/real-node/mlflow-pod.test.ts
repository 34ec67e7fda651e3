// The MLflow server image (infrastructure/mlflow.Dockerfile) as one Pod on the real node: the kubelet pulls it
// by digest from the local registry and runs it under the Terraform Deployment's security context (uid 10001,
// read-only root, all capabilities dropped, a writable emptyDir at /tmp). The Pod turns Ready only when its
// probe got `OK` from /health. The probe is an exec probe on purpose: the Pod's address lives inside the node's
// network namespace, which neither the kubelet nor this test can reach, and an exec probe talks to 127.0.0.1
// inside the Pod.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { TestNamespace } from '../../support/kube-namespace.js';
import { createRealNodeNamespace, realNode } from '../../support/real-node.js';

const image = process.env.TRAINBOT_MLFLOW_IMAGE;
if (!image)
  throw new Error(
    'TRAINBOT_MLFLOW_IMAGE is not set; run these tests through scripts/test.sh, which builds and pushes the MLflow image.',
  );
const node = realNode();
const READY_WITHIN_MS = 180_000;
let ns: TestNamespace;
let core: CoreV1Api;

beforeAll(async () => {
  ns = await createRealNodeNamespace(node, 'real-mlflow');
  core = ns.admin.makeApiClient(CoreV1Api);
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
          // The image's entrypoint (`mlflow server`) with a SQLite store on the emptyDir; the Deployment passes a
          // PostgreSQL URI from a Secret instead.
          args: [
            '--host',
            '0.0.0.0',
            '--port',
            '5000',
            '--workers',
            '1',
            '--backend-store-uri',
            'sqlite:////tmp/mlflow.db',
            '--default-artifact-root',
            '/tmp/artifacts',
          ],
          env: [
            { name: 'HOME', value: '/tmp' },
            { name: 'MLFLOW_SERVER_ENABLE_JOB_EXECUTION', value: 'false' },
          ],
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
    const started = Date.now();
    await core.createNamespacedPod({ namespace: ns.name, body: mlflowPod() });
    let pod: V1Pod | undefined;
    let ready = false;
    while (!ready && Date.now() - started < READY_WITHIN_MS) {
      await new Promise((done) => setTimeout(done, 1000));
      pod = await core.readNamespacedPod({ namespace: ns.name, name: 'mlflow' });
      ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') break;
    }
    const status = pod?.status?.containerStatuses?.[0];
    // On failure, the container's state and the last lines it logged say why.
    const log = ready
      ? ''
      : await core.readNamespacedPodLog({ namespace: ns.name, name: 'mlflow', tailLines: 20 }).catch(() => '');
    expect({ ready, state: ready ? 'running' : JSON.stringify(status?.state), log }).toEqual({
      ready: true,
      state: 'running',
      log: '',
    });
    expect(pod?.spec?.nodeName).toBe(node.name);
    expect(status?.imageID).toContain(image.slice(image.indexOf('@') + 1));
    console.log(`mlflow Pod on the real node: Ready (/health OK) ${Date.now() - started} ms after creation`);
  },
  READY_WITHIN_MS + 30_000,
);
