// The training image as CI builds it and the bot runs it: built from training/Dockerfile as it is
// (scripts/tools/training-image.sh), pushed to a real registry by the image-push action under the image rule's
// tag (scripts/services/registry.sh), read back through the registry API, then run in a real container with
// runc under the security context, volume, limits and environment of the Job the bot creates for it.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobManifest } from '../../../src/runners/kubernetes/job-manifest.js';
import { imageTag } from '../../../src/runs/image-ref.js';
import { jobSpecFor } from '../../../src/runs/job-spec.js';
import { planRuns } from '../../../src/runs/plan.js';
import { REPO_ROOT } from '../../support/run-action.js';
import { type ImageConfig, runContainer, runtimeSpec, unpackImage } from '../../support/runc-container.js';
import { repoConfig } from '../../unit/config/repo-config.js';
import { botTracking } from '../../support/mlflow-tracking.js';
import type { RunCredentials } from '../../../src/tracking/run-credentials.js';

const {
  TRAINBOT_REGISTRY,
  TRAINBOT_TRAINING_IMAGE,
  TRAINBOT_TRAINING_TAG,
  TRAINBOT_TRAINING_DIGEST,
  MLFLOW_TRACKING_URI,
} = process.env;
if (
  !TRAINBOT_REGISTRY ||
  !TRAINBOT_TRAINING_IMAGE ||
  !TRAINBOT_TRAINING_TAG ||
  !TRAINBOT_TRAINING_DIGEST ||
  !MLFLOW_TRACKING_URI
) {
  throw new Error(
    'TRAINBOT_REGISTRY, TRAINBOT_TRAINING_* or MLFLOW_TRACKING_URI is not set; run these tests through scripts/test.sh, which builds and pushes the image and starts MLflow.',
  );
}
const REGISTRY = TRAINBOT_REGISTRY;
const IMAGE = TRAINBOT_TRAINING_IMAGE;
const TAG = TRAINBOT_TRAINING_TAG;
const DIGEST = TRAINBOT_TRAINING_DIGEST;
const TRACKING_URI = MLFLOW_TRACKING_URI;
const REPOSITORY = IMAGE.slice(REGISTRY.length + 1);
const MANIFEST_TYPES =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

// Unpacking a ~700 MB image and training take a while on two busy cores.
jest.setTimeout(240_000);

/** The Job the bot creates for `/train alpha=0.5 l1_ratio=0.5` on the current commit, with this test's MLflow and registry. */
function trainingJob(
  runId: string,
  credentialEnv: Record<string, string> = {},
): { image: string; pod: V1PodSpec; container: V1Container } {
  const config = { ...repoConfig(), image: IMAGE, trackingUri: TRACKING_URI };
  const planned = planRuns({ alpha: ['0.5'], l1_ratio: ['0.5'] }, config);
  if (!planned.ok) throw new Error(planned.message);
  const origin = {
    repo: 'acme/wine',
    pr: 1,
    sha: TAG,
    branch: 'feature',
    request: 'image-test',
    role: 'candidate' as const,
    params: planned.runs[0]!.paramsKey,
  };
  const spec = {
    ...jobSpecFor(planned.runs[0]!, { name: 'trainbot-image-test', origin, runId, config }),
    credentialEnv,
  };
  const pod = jobManifest(spec, 'trainbot-training').spec?.template.spec;
  const container = pod?.containers[0];
  if (!pod || !container?.image) throw new Error('the Job manifest has no container');
  // The run's own credential comes from its Secret; resolve it the way the kubelet does.
  container.env = container.env?.map((v) =>
    v.valueFrom?.secretKeyRef?.name === spec.name
      ? { name: v.name, value: credentialEnv[v.valueFrom.secretKeyRef.key] ?? '' }
      : v,
  );
  return { image: container.image, pod, container };
}

async function registryGet(path: string, accept?: string): Promise<Response> {
  const response = await fetch(`http://${REGISTRY}/v2/${REPOSITORY}/${path}`, {
    headers: accept ? { Accept: accept } : {},
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response;
}

describe('the pushed training image, read through the registry API', () => {
  let manifestDigest: string | null;
  let config: ImageConfig;
  beforeAll(async () => {
    const manifest = await registryGet(`manifests/${TAG}`, MANIFEST_TYPES);
    manifestDigest = manifest.headers.get('docker-content-digest');
    const body = (await manifest.json()) as { config: { digest: string } };
    config = ((await (await registryGet(`blobs/${body.config.digest}`)).json()) as { config: ImageConfig }).config;
  });

  it('is tagged by the image rule for the current commit, and the tag names the digest image-push reported', () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    expect(TAG).toBe(imageTag(head));
    expect(trainingJob('r').image).toBe(`${IMAGE}:${imageTag(head)}`);
    expect(manifestDigest).toBe(DIGEST);
  });

  it('runs as uid 10001, the user the Job asks for', () => {
    expect(config.User).toBe('10001');
    expect(trainingJob('r').pod.securityContext?.runAsUser).toBe(10001);
  });

  it('has the configured command as its entrypoint, run from the WORKDIR that holds train.py', () => {
    expect(config.WorkingDir).toBe('/app');
    expect(config.Entrypoint).toEqual(trainingJob('r').container.command);
    expect(config.Cmd ?? []).toEqual([]);
  });

  it('keeps GitPython quiet and Python unbuffered, so the log tail a PR gets is the training output', () => {
    expect(config.Env).toEqual(expect.arrayContaining(['GIT_PYTHON_REFRESH=quiet', 'PYTHONUNBUFFERED=1']));
  });
});

describe('the training image in a real container, started as the Job would be', () => {
  const client = botTracking();
  let work: string;
  let bundle: string;
  let rootfs: string;
  let image: ImageConfig;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trainbot-image-'));
    // Pulled by the reference in the Job, exactly as a kubelet would.
    ({ bundle, rootfs } = await unpackImage(trainingJob('r').image, work));
    const manifest = (await (await registryGet(`manifests/${TAG}`, MANIFEST_TYPES)).json()) as {
      config: { digest: string };
    };
    image = ((await (await registryGet(`blobs/${manifest.config.digest}`)).json()) as { config: ImageConfig }).config;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("has the command's program on the image PATH and train.py in the WORKDIR", () => {
    const { container } = trainingJob('r');
    const path = (image.Env ?? []).find((e) => e.startsWith('PATH='))?.slice(5) ?? '';
    const found = path.split(':').filter((dir) => {
      try {
        accessSync(join(rootfs, dir, container.command![0]!), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    expect(found.length).toBeGreaterThan(0);
    accessSync(join(rootfs, image.WorkingDir ?? '/', 'train.py'), constants.R_OK);
  });

  it('runs with uid 10001, a read-only root, a writable /tmp, no capabilities, no new privileges and the memory limit', async () => {
    const { pod, container } = trainingJob('r');
    const probe = [
      'import json, os',
      'def writable(p):',
      '    try:',
      '        open(p, "w").close(); return True',
      '    except OSError: return False',
      'status = dict(l.split(":", 1) for l in open("/proc/self/status"))',
      'root = [l.split()[5] for l in open("/proc/self/mountinfo") if l.split()[4] == "/"][0]',
      // The trainer's home belongs to uid 10001: only the read-only mount keeps it from writing there.
      'print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "rootMount": root.split(",")[0],',
      '  "home": writable("/home/trainer/probe"), "app": writable("/app/probe"), "tmp": writable("/tmp/probe"),',
      '  "caps": status["CapEff"].strip(), "nnp": status["NoNewPrivs"].strip(),',
      '  "memory": int(open("/sys/fs/cgroup/memory/memory.limit_in_bytes").read())}))',
    ].join('\n');
    const exit = await runContainer(
      bundle,
      runtimeSpec(image, pod, { ...container, command: ['python', '-c', probe], args: [] }),
      60_000,
    );
    expect(exit.exitCode).toBe(0);
    expect(JSON.parse(exit.output.trim().split('\n').at(-1) ?? '')).toEqual({
      uid: 10001,
      gid: 10001,
      rootMount: 'ro',
      home: false,
      app: false,
      tmp: true,
      caps: '0000000000000000',
      nnp: '1',
      memory: 2 * 1024 ** 3,
    });
  });

  it('resumes the run the bot created in MLflow, trains and finishes it with rmse logged', async () => {
    const experimentId = await client.ensureExperiment(`trainbot-image-it-${Date.now()}-${process.pid}`);
    const created = await client.createRun({ experimentId, runName: 'image-test', tags: {} });
    // The run's own MLflow user, allowed to write this experiment only, as the bot gives every Job.
    const credentials = client.runCredentials as RunCredentials;
    const credential = await credentials.issue(created.info.runId, experimentId);
    if (!credential) throw new Error('the harness MLflow has no auth app');
    const { pod, container } = trainingJob(created.info.runId, credential.env);
    expect(container.args).toEqual(expect.arrayContaining(['--alpha', '0.5', '--l1-ratio', '0.5']));
    const started = Date.now();
    const exit = await runContainer(bundle, runtimeSpec(image, pod, container), 180_000).finally(() =>
      credentials.revoke(credential),
    );
    expect({ exitCode: exit.exitCode, output: exit.output.slice(-2000) }).toEqual({
      exitCode: 0,
      output: expect.any(String),
    });
    expect(exit.output).not.toMatch(/GitPython|git executable/i);
    const finished = await client.getRun(created.info.runId);
    expect(finished.info.status).toBe('FINISHED');
    expect(finished.metrics.rmse).toBeGreaterThan(0);
    expect(finished.params.alpha).toBe('0.5');
    console.log(`training container: exit 0 after ${Date.now() - started} ms, rmse ${finished.metrics.rmse}`);
  });
});
