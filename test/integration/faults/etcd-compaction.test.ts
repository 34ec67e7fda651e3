// Fault: the watch's resourceVersion is compacted away in etcd while the connection is down, so the resumed
// watch gets a real `410 Gone` and the waiter must re-list. This file's own control plane
// (test/support/private-kube.ts) runs with --watch-cache=false: watches then read etcd directly, and etcd's
// compaction (its HTTP gateway's /v3/kv/compaction) decides what is too old. With the watch cache on, the
// apiserver answers old versions from memory until its own window passes, which a test cannot wait for.
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { expectOnlyJobSucceeded, startWatchedJob } from '../../support/fault-job.js';
import { runnerFixture } from '../../support/kube-runner-fixture.js';
import type { RunnerFixture } from '../../support/kube-runner-fixture.js';
import { startPrivateKube } from '../../support/private-kube.js';
import type { PrivateKube } from '../../support/private-kube.js';
import { startTcpProxy } from '../../support/kube-tcp-proxy.js';
import type { TcpProxy } from '../../support/kube-tcp-proxy.js';

jest.setTimeout(120_000);

let kube: PrivateKube;
let proxy: TcpProxy;
let fx: RunnerFixture;
const restarts: string[] = [];

beforeAll(async () => {
  kube = await startPrivateKube({ watchCache: false });
  process.env.TRAINBOT_KUBE_ADMIN_KUBECONFIG = kube.adminKubeconfig;
  proxy = await startTcpProxy(kube.server);
  // reconnectMs: the drop below is followed by a pause long enough to compact before the watch resumes.
  fx = await runnerFixture('compact', {
    server: proxy.url,
    runner: { reconnectMs: 1000, onWatchRestart: (why) => restarts.push(why) },
  });
}, 120_000);

afterAll(async () => {
  await fx?.stop();
  await proxy?.close();
  await kube?.stop();
});

it('re-lists when the resumed watch gets 410 Gone after etcd compaction, and still reports the outcome', async () => {
  const { handle, outcome: waiting } = await startWatchedJob(fx, kube, 'compacted', 5);

  // Cut the watch, then move etcd past its resourceVersion and compact: the resumed watch asks for history
  // that no longer exists.
  const cut = Date.now();
  expect(proxy.dropConnections()).toBeGreaterThan(0);
  const core = fx.ns.admin.makeApiClient(CoreV1Api);
  for (let i = 0; i < 3; i += 1)
    await core.createNamespacedConfigMap({ namespace: fx.ns.name, body: { metadata: { name: `bump-${i}` } } });
  const revision = await kube.revision();
  await kube.compact(revision);
  const outcome = await waiting;
  console.log(
    `compacted at revision ${revision}; outcome ${Date.now() - cut} ms after the cut; restarts: ${restarts.join(' | ')}`,
  );

  expect(outcome).toEqual({ status: 'succeeded' });
  expect(restarts).toContain('resourceVersion gone, re-listing');
  await expectOnlyJobSucceeded(fx, handle);
});
