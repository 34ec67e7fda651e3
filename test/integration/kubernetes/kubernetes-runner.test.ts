// KubernetesRunner against the real loopback API server and Job controller (scripts/services/kube.sh),
// acting with the bot's own ServiceAccount bound to RUNNER_RBAC_RULES; a test node runs the Pods.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { RunnerError } from '../../../src/runners/runner.js';
import { eventually, pythonSpec, runnerFixture } from '../../support/kube-runner-fixture.js';
import type { RunnerFixture } from '../../support/kube-runner-fixture.js';

jest.setTimeout(60000);

let fx: RunnerFixture;
let batch: BatchV1Api;
let core: CoreV1Api;

beforeAll(async () => {
  fx = await runnerFixture('runner');
  batch = fx.ns.admin.makeApiClient(BatchV1Api);
  core = fx.ns.admin.makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({
    namespace: fx.ns.name,
    body: { metadata: { name: 'mlflow-auth' }, stringData: { password: 's3cret' } },
  });
});
afterAll(async () => fx?.stop());

const jobExists = async (name: string) =>
  (await batch.listNamespacedJob({ namespace: fx.ns.name, fieldSelector: `metadata.name=${name}` })).items.length > 0;
const podsOf = async (name: string) =>
  (await core.listNamespacedPod({ namespace: fx.ns.name, labelSelector: `batch.kubernetes.io/job-name=${name}` }))
    .items;

describe('KubernetesRunner on a real API server', () => {
  it('runs a Job to success with the spec’s args, env and secret, and creates it as specified', async () => {
    const spec = pythonSpec(
      'ok-run',
      'import os, sys; print("hi", sys.argv[1:], os.environ["MLFLOW_RUN_ID"], ' +
        'os.environ["MLFLOW_TRACKING_PASSWORD"])',
      {
        args: ['--alpha', '0.5'],
        env: { MLFLOW_RUN_ID: 'run-abc' },
        secretEnv: [{ env: 'MLFLOW_TRACKING_PASSWORD', secret: 'mlflow-auth', key: 'password' }],
        labels: { 'trainbot.dev/pr': '12', 'trainbot.dev/branch': 'feature/x' },
      },
    );
    const handle = await fx.runner.dispatch(spec);
    expect(handle).toEqual({ name: 'ok-run' });

    const job = await batch.readNamespacedJob({ name: 'ok-run', namespace: fx.ns.name });
    expect(job.metadata?.labels).toMatchObject({
      'trainbot.dev/pr': '12',
      'trainbot.dev/branch': 'feature-x',
      'app.kubernetes.io/name': 'trainbot-training',
      'app.kubernetes.io/managed-by': 'trainbot',
    });
    const container = job.spec!.template.spec!.containers[0]!;
    expect(container.args).toEqual(['--alpha', '0.5']);
    expect(container.env).toEqual([
      { name: 'MLFLOW_RUN_ID', value: 'run-abc' },
      { name: 'MLFLOW_TRACKING_PASSWORD', valueFrom: { secretKeyRef: { name: 'mlflow-auth', key: 'password' } } },
    ]);

    expect(await fx.runner.wait(handle)).toEqual({ status: 'succeeded' });
    expect(await fx.runner.logs(handle, 10)).toBe("hi ['--alpha', '0.5'] run-abc s3cret\n");
  });

  it('gives a run its own credentials through a Secret owned by its Job: the Pod reads them, the bot never could', async () => {
    const own = { MLFLOW_TRACKING_USERNAME: 'trainbot-user-abc', MLFLOW_TRACKING_PASSWORD: 'own-pw-0123456789' };
    const spec = {
      ...pythonSpec(
        'own-credential',
        'import os; print(os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"])',
      ),
      credentialEnv: own,
    };
    const handle = await fx.runner.dispatch(spec);
    const job = await batch.readNamespacedJob({ name: 'own-credential', namespace: fx.ns.name });
    expect(job.spec?.suspend).toBe(false);
    const secret = await core.readNamespacedSecret({ name: 'own-credential', namespace: fx.ns.name });
    expect(secret.metadata?.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'Job', name: 'own-credential', uid: job.metadata?.uid },
    ]);
    expect(secret.immutable).toBe(true);
    expect(JSON.stringify(job)).not.toContain(own.MLFLOW_TRACKING_PASSWORD);
    expect(await fx.runner.wait(handle)).toEqual({ status: 'succeeded' });
    expect(await fx.runner.logs(handle, 10)).toBe('trainbot-user-abc own-pw-0123456789\n');
    // The bot may create Secrets, never read one back.
    const botCore = fx.bot.makeApiClient(CoreV1Api);
    await expect(botCore.readNamespacedSecret({ name: 'own-credential', namespace: fx.ns.name })).rejects.toMatchObject(
      { code: 403 },
    );
    // The garbage collector removes the Secret with its Job.
    await fx.runner.cancel(handle);
    await eventually(
      () =>
        core.readNamespacedSecret({ name: 'own-credential', namespace: fx.ns.name }).then(
          () => undefined,
          () => true,
        ),
      30000,
      'Secret collected',
    );
  });

  it('reports a failing container with its exit code', async () => {
    const handle = await fx.runner.dispatch(pythonSpec('exit-3', 'import sys; print("boom"); sys.exit(3)'));
    expect(await fx.runner.wait(handle)).toEqual({
      status: 'failed',
      reason: 'The training container exited with code 3.',
    });
  });

  it('reports a run past its deadline as a timeout', async () => {
    const handle = await fx.runner.dispatch(
      pythonSpec('too-slow', 'import time; time.sleep(120)', { timeoutSeconds: 2 }),
    );
    expect(await fx.runner.wait(handle)).toEqual({
      status: 'timeout',
      reason: 'The run took longer than its limit of 2 s and was stopped.',
    });
  });

  it('fails a run whose image pulls keep failing, naming the image, and removes its Job', async () => {
    const handle = await fx.runner.dispatch(pythonSpec('no-image', 'pass', { image: 'registry.local/wine:missing' }));
    expect(await fx.runner.wait(handle)).toEqual({
      status: 'failed',
      reason:
        'The image ' +
        '"registry.local/wine:missing" could not be pulled (ErrImagePull, still failing after 1 s); check that it was ' +
        'built and pushed for this commit and that the cluster can pull from its registry.',
    });
    expect(await jobExists('no-image')).toBe(false);
  });

  it('lets the kubelet retry a pull that failed once, and the run succeeds', async () => {
    const runner = new KubernetesRunner({
      namespace: fx.ns.name,
      kubeConfig: fx.bot,
      podCheckMs: 100,
      imagePullGraceSeconds: 5,
    });
    const handle = await runner.dispatch(pythonSpec('flaky-pull', 'pass', { image: 'registry.local/wine:flaky' }));
    expect(await runner.wait(handle)).toEqual({ status: 'succeeded' });
  });

  it('fails a run whose Secret is missing instead of waiting for it forever', async () => {
    const handle = await fx.runner.dispatch(
      pythonSpec('no-secret', 'pass', { secretEnv: [{ env: 'TOKEN', secret: 'absent', key: 'token' }] }),
    );
    expect(await fx.runner.wait(handle)).toEqual({
      status: 'failed',
      reason:
        'The training container could not be ' +
        'configured (CreateContainerConfigError: secret "absent" not found); check that the Secrets it references exist.',
    });
  });

  it('returns the last lines of the output', async () => {
    const handle = await fx.runner.dispatch(pythonSpec('chatty', 'for i in range(1, 6): print(f"epoch {i}")'));
    await fx.runner.wait(handle);
    expect(await fx.runner.logs(handle, 2)).toBe('epoch 4\nepoch 5\n');
  });

  it('returns no logs for a run without a pod', async () => {
    expect(await fx.runner.logs({ name: 'never-dispatched' }, 5)).toBe('');
  });

  it('cancels a running Job: wait() reports it, the Job is gone and its pods follow', async () => {
    const handle = await fx.runner.dispatch(
      pythonSpec('cancel-me', 'import time; print("started", flush=True); ' + 'time.sleep(120)'),
    );
    await eventually(
      async () => ((await fx.runner.logs(handle, 1)) === 'started\n' ? true : undefined),
      15000,
      'container started',
    );
    const outcome = fx.runner.wait(handle);
    await fx.runner.cancel(handle);
    expect(await outcome).toEqual({
      status: 'cancelled',
      reason: 'The Job "cancel-me" was deleted before it finished.',
    });
    expect(await jobExists('cancel-me')).toBe(false);
    await eventually(async () => ((await podsOf('cancel-me')).length === 0 ? true : undefined), 15000, 'pods deleted');
  });

  it('treats cancelling an unknown run as done', async () => {
    await expect(fx.runner.cancel({ name: 'no-such-job' })).resolves.toBeUndefined();
  });

  it('lists only unfinished runs carrying all the given labels', async () => {
    const done = await fx.runner.dispatch(pythonSpec('active-done', 'pass', { labels: { 'trainbot.dev/pr': '40' } }));
    await fx.runner.wait(done);
    await fx.runner.dispatch(
      pythonSpec('active-40', 'import time; time.sleep(120)', { labels: { 'trainbot.dev/pr': '40' } }),
    );
    await fx.runner.dispatch(
      pythonSpec('active-41', 'import time; time.sleep(120)', { labels: { 'trainbot.dev/pr': '41' } }),
    );
    expect(await fx.runner.active({ 'trainbot.dev/pr': '40' })).toEqual([{ name: 'active-40' }]);
    await fx.runner.cancel({ name: 'active-40' });
    await fx.runner.cancel({ name: 'active-41' });
    expect(await fx.runner.active({ 'trainbot.dev/pr': '40' })).toEqual([]);
  });

  it('refuses a second Job with the same name in one sentence', async () => {
    await fx.runner.dispatch(pythonSpec('twice', 'pass'));
    const second = fx.runner.dispatch(pythonSpec('twice', 'pass'));
    await expect(second).rejects.toThrow(RunnerError);
    await expect(second).rejects.toThrow(
      `A Job named "twice" already exists in namespace "${fx.ns.name}"; wait for ` +
        'it to finish or cancel it before starting the same run again.',
    );
  });

  it('names the invalid field when the API server rejects the Job', async () => {
    await expect(fx.runner.dispatch(pythonSpec('Bad_Name', 'pass'))).rejects.toThrow(
      'Kubernetes rejected the Job ' +
        '"Bad_Name" because field metadata.name is invalid: a lowercase RFC 1123 subdomain must consist of lower ' +
        'case alphanumeric characters',
    );
  });

  it('grants a request claim to exactly one of many concurrent claimants, across runners, until it is released', async () => {
    // Each runner stands for a bot process: nothing is shared between them but the API server.
    const replicas = [
      fx.runner,
      ...Array.from({ length: 3 }, () => new KubernetesRunner({ namespace: fx.ns.name, kubeConfig: fx.bot })),
    ];
    const key = `acme/models#${Date.now()}`;
    const granted = await Promise.all(replicas.flatMap((r) => [r.claim(key), r.claim(key)]));
    expect(granted.filter(Boolean)).toHaveLength(1);
    expect(await fx.runner.claim(`${key}-other`)).toBe(true);

    const winner = replicas[Math.floor(granted.indexOf(true) / 2)] as KubernetesRunner;
    const loser = replicas.find((r) => r !== winner) as KubernetesRunner;
    await loser.release(key); // not its claim: nothing happens
    expect(await loser.claim(key)).toBe(false);
    await winner.release(key);
    await winner.release(key); // gone already: not an error
    expect(await loser.claim(key)).toBe(true);
    await Promise.all([loser.release(key), fx.runner.release(`${key}-other`)]);
  });

  it('lets exactly one of two processes take over a claim whose holder stopped renewing it, and never a live one', async () => {
    const process = (renewSeconds: number) =>
      new KubernetesRunner({
        namespace: fx.ns.name,
        kubeConfig: fx.bot,
        leaseDurationSeconds: 1,
        leaseRenewSeconds: renewSeconds,
      });
    const key = `acme/models#takeover-${Date.now()}`;
    const dead = process(3600); // claims, then never renews: a bot killed with -9
    expect(await dead.claim(key, { repo: 'acme/models', pr: '7' })).toBe(true);
    const [a, b] = [process(0.2), process(0.2)];
    expect(await a.claim(key)).toBe(false); // still live
    await new Promise((r) => setTimeout(r, 1100));
    const taken = await Promise.all([a.claim(key), b.claim(key), a.claim(key), b.claim(key)]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    const [holder, other] = taken[0] || taken[2] ? [a, b] : [b, a];

    // The new holder renews every 0.2 s, so its 1 s claim stays live well past its duration.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await other.claim(key)).toBe(false);
    const claims = await holder.claims();
    expect(claims.find((c) => c.key === key)).toMatchObject({ live: true, notes: { repo: 'acme/models', pr: '7' } });
    await dead.release(key); // its Lease was taken over: the new holder's stays
    expect((await holder.claims()).some((c) => c.key === key)).toBe(true);
    await holder.release(key);
    expect((await holder.claims()).some((c) => c.key === key)).toBe(false);
  });
});
