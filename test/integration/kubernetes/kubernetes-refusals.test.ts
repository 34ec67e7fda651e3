// Refusals from the real API server become one sentence that says what to change: RBAC (a Role missing a
// verb of RUNNER_RBAC_RULES), a ResourceQuota, an unreachable server.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { RUNNER_RBAC_RULES } from '../../../src/runners/kubernetes/rbac-rules.js';
import type { RbacRule } from '../../../src/runners/kubernetes/rbac-rules.js';
import { tokenConfig } from '../../support/kube-namespace.js';
import { pythonSpec, runnerFixture } from '../../support/kube-runner-fixture.js';
import type { RunnerFixture } from '../../support/kube-runner-fixture.js';

jest.setTimeout(60000);

/** RUNNER_RBAC_RULES with one verb taken away from one resource (a rule left without verbs is dropped). */
function without(resource: string, verb: string): RbacRule[] {
  return RUNNER_RBAC_RULES.map((rule) => ({
    ...rule,
    verbs: rule.resources.includes(resource) ? rule.verbs.filter((v) => v !== verb) : [...rule.verbs],
  })).filter((rule) => rule.verbs.length > 0);
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let fx: RunnerFixture;
beforeAll(async () => {
  fx = await runnerFixture('refusals');
});
afterAll(async () => fx?.stop());

describe('KubernetesRunner refusals', () => {
  it('says which verb the Role lacks when it may not create Jobs', async () => {
    const narrow = new KubernetesRunner({
      namespace: fx.ns.name,
      kubeConfig: await fx.ns.accountWith('no-create', without('jobs', 'create')),
    });
    await expect(narrow.dispatch(pythonSpec('refused', 'pass'))).rejects.toThrow(
      `trainbot is not allowed to ` +
        `create jobs.batch in namespace "${fx.ns.name}": the Role bound to its service account needs the "create" ` +
        'verb on "jobs.batch".',
    );
  });

  it('says which verb the Role lacks when it may not claim a request', async () => {
    const narrow = new KubernetesRunner({
      namespace: fx.ns.name,
      kubeConfig: await fx.ns.accountWith('no-claim', without('leases', 'create')),
    });
    await expect(narrow.claim('acme/models#1')).rejects.toThrow(
      `trainbot is not allowed to create ` +
        `leases.coordination.k8s.io in namespace "${fx.ns.name}": the Role bound to its service account needs the ` +
        '"create" verb on "leases.coordination.k8s.io".',
    );
  });

  it('says which verb the Role lacks when it may not read logs', async () => {
    const handle = await fx.runner.dispatch(pythonSpec('log-refused', 'print("secret sauce")'));
    await fx.runner.wait(handle);
    const narrow = new KubernetesRunner({
      namespace: fx.ns.name,
      kubeConfig: await fx.ns.accountWith('no-logs', without('pods/log', 'get')),
    });
    await expect(narrow.logs(handle, 5)).rejects.toThrow(
      `trainbot is not allowed to get pods/log in namespace ` +
        `"${fx.ns.name}": the Role bound to its service account needs the "get" verb on "pods/log".`,
    );
  });

  it('says which verb the Role lacks when it may not watch Jobs', async () => {
    const handle = await fx.runner.dispatch(pythonSpec('watch-refused', 'pass'));
    const narrow = new KubernetesRunner({
      namespace: fx.ns.name,
      kubeConfig: await fx.ns.accountWith('no-watch', without('jobs', 'watch')),
    });
    await expect(narrow.wait(handle)).rejects.toThrow(
      `trainbot is not allowed to watch jobs.batch in namespace ` +
        `"${fx.ns.name}": the Role bound to its service account needs the "watch" verb on "jobs.batch".`,
    );
  });

  it('says which ResourceQuota is full', async () => {
    const core = fx.ns.admin.makeApiClient(CoreV1Api);
    await core.createNamespacedResourceQuota({
      namespace: fx.ns.name,
      body: { metadata: { name: 'training-jobs' }, spec: { hard: { 'count/jobs.batch': '0' } } },
    });
    // No quota controller runs here: the status it would compute is written directly.
    await core.replaceNamespacedResourceQuotaStatus({
      name: 'training-jobs',
      namespace: fx.ns.name,
      body: {
        metadata: { name: 'training-jobs' },
        spec: { hard: { 'count/jobs.batch': '0' } },
        status: { hard: { 'count/jobs.batch': '0' }, used: { 'count/jobs.batch': '0' } },
      },
    });
    await expect(fx.runner.dispatch(pythonSpec('over-quota', 'pass'))).rejects.toThrow(
      `The namespace ` +
        `"${fx.ns.name}" has no room for this run: ResourceQuota "training-jobs" is exceeded (requested: ` +
        "count/jobs.batch=1, used: count/jobs.batch=0, limited: count/jobs.batch=0); lower the run's resources or " +
        'wait for other runs to finish.',
    );
    await core.deleteNamespacedResourceQuota({ name: 'training-jobs', namespace: fx.ns.name });
  });

  it('says the API server cannot be reached, naming its address', async () => {
    const server = `https://127.0.0.1:${await closedPort()}`;
    const runner = new KubernetesRunner({
      namespace: fx.ns.name,
      kubeConfig: tokenConfig(fx.ns.admin, 'unused', server),
    });
    await expect(runner.dispatch(pythonSpec('unreachable', 'pass'))).rejects.toThrow(
      `The Kubernetes API server at ` +
        `${server} cannot be reached (ECONNREFUSED); check the cluster address in trainbot's kubeconfig ` +
        'and that the cluster is running.',
    );
  });
});
