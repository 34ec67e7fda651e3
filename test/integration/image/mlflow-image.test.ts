// The MLflow server image (infrastructure/mlflow.Dockerfile), built and pushed like the training image by
// scripts/tools/training-image.sh and scripts/services/registry.sh: pulled by digest, run with runc as the
// Terraform's Deployment runs it (uid 10001, read-only root, a tmpfs for its SQLite file), it answers /health.
// The container shares the host's network namespace and listens on 127.0.0.1 only.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitAnswer } from '../../support/await-answer.js';
import { deployedContainer } from '../../support/deployed-container.js';
import { imageConfig } from '../../support/image-config.js';
import { mlflowOnTmp } from '../../support/mlflow-on-tmp.js';
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

describe('the MLflow server image', () => {
  let work: string;
  let bundle: string;
  let image: ImageConfig;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trainbot-mlflow-image-'));
    ({ bundle } = await unpackImage(IMAGE, work));
    image = await imageConfig(IMAGE);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs as uid 10001 with `mlflow server` as its entrypoint', () => {
    expect(image.User).toBe('10001');
    expect(image.Entrypoint).toEqual(['mlflow', 'server']);
  });

  it('starts on a read-only root as uid 10001 and answers /health', async () => {
    const port = await freePort();
    const { pod, container } = deployedContainer({
      name: 'mlflow',
      // On loopback only: the container shares the host's network namespace.
      ...mlflowOnTmp('127.0.0.1', port),
      resources: { limits: { memory: '1Gi' } },
    });
    const id = `trainbot-mlflow-${port}`;
    const exited = runContainer(bundle, runtimeSpec(image, pod, container), 200_000, id);
    const started = Date.now();
    const health = await awaitAnswer(`http://127.0.0.1:${port}/health`, 'OK', 180_000, 1000);
    await stopContainer(id);
    const exit = await exited;
    expect({ health, log: health === 'OK' ? '' : exit.output.slice(-2000) }).toEqual({ health: 'OK', log: '' });
    console.log(`mlflow image: /health OK after ${Date.now() - started} ms`);
  });
});
