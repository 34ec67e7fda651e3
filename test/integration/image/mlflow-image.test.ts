// The MLflow server image (infrastructure/mlflow.Dockerfile), built and pushed like the training image by
// scripts/tools/training-image.sh and scripts/services/registry.sh: pulled by digest, run with runc as the
// Terraform's Deployment runs it (uid 10001, read-only root, a tmpfs for its SQLite file), it answers /health.
// The container shares the host's network namespace and listens on 127.0.0.1 only.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/registry.js';
import {
  type ImageConfig,
  runContainer,
  runtimeSpec,
  stopContainer,
  unpackImage,
} from '../../support/runc-container.js';

const { TRAINBOT_MLFLOW_IMAGE } = process.env;
if (!TRAINBOT_MLFLOW_IMAGE) {
  throw new Error(
    'TRAINBOT_MLFLOW_IMAGE is not set; run these tests through scripts/test.sh, which builds and pushes the MLflow image.',
  );
}
const IMAGE = TRAINBOT_MLFLOW_IMAGE;
jest.setTimeout(240_000);

async function imageConfig(): Promise<ImageConfig> {
  const [, registry, repository, digest] = /^([^/]+)\/(.+)@(sha256:[0-9a-f]{64})$/.exec(IMAGE) ?? [];
  const manifest = (await (
    await fetch(`http://${registry}/v2/${repository}/manifests/${digest}`, {
      headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
    })
  ).json()) as { config: { digest: string } };
  return (
    (await (await fetch(`http://${registry}/v2/${repository}/blobs/${manifest.config.digest}`)).json()) as {
      config: ImageConfig;
    }
  ).config;
}

describe('the MLflow server image', () => {
  let work: string;
  let bundle: string;
  let image: ImageConfig;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trainbot-mlflow-image-'));
    ({ bundle } = await unpackImage(IMAGE, work));
    image = await imageConfig();
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs as uid 10001 with `mlflow server` as its entrypoint', () => {
    expect(image.User).toBe('10001');
    expect(image.Entrypoint).toEqual(['mlflow', 'server']);
  });

  it('starts on a read-only root as uid 10001 and answers /health', async () => {
    const port = await freePort();
    const pod: V1PodSpec = {
      containers: [],
      volumes: [{ name: 'tmp', emptyDir: {} }],
      securityContext: { runAsUser: 10001, runAsGroup: 10001 },
    };
    const container: V1Container = {
      name: 'mlflow',
      // The image's own entrypoint; the args name a loopback address and a SQLite store on the tmpfs.
      args: [
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
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
      resources: { limits: { memory: '1Gi' } },
      securityContext: {
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    };
    const id = `trainbot-mlflow-${port}`;
    const exited = runContainer(bundle, runtimeSpec(image, pod, container), 200_000, id);
    const started = Date.now();
    let health = '';
    while (Date.now() - started < 180_000 && health !== 'OK') {
      health = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.text(),
        () => '',
      );
      if (health !== 'OK') await new Promise((done) => setTimeout(done, 1000));
    }
    await stopContainer(id);
    const exit = await exited;
    expect({ health, log: health === 'OK' ? '' : exit.output.slice(-2000) }).toEqual({ health: 'OK', log: '' });
    console.log(`mlflow image: /health OK after ${Date.now() - started} ms`);
  });
});
