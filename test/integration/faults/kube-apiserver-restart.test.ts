// Fault: kube-apiserver dies (SIGKILL) and comes back on the same port while the runner watches a Job. The
// apiserver is this file's own (test/support/private-kube.ts), so the restart disturbs no other suite. The
// runner must resume its watch and still report the Job's outcome: one Job, one outcome, nothing left running.
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { expectOnlyJobSucceeded, startWatchedJob } from '../../support/fault-job.js';
import { runnerFixture } from '../../support/kube-runner-fixture.js';
import type { RunnerFixture } from '../../support/kube-runner-fixture.js';
import { startPrivateKube } from '../../support/private-kube.js';
import type { PrivateKube } from '../../support/private-kube.js';

jest.setTimeout(120_000);

let kube: PrivateKube;
const summary = (whys: string[]) =>
  [...new Set(whys)].map((why) => `${whys.filter((w) => w === why).length}× ${why}`).join(', ');
let fx: RunnerFixture;
const restarts: string[] = [];
let podFinishedAt = 0;

beforeAll(async () => {
  kube = await startPrivateKube();
  // The fixture's namespace, ServiceAccount and test node all go to the private control plane.
  process.env.TRAINBOT_KUBE_ADMIN_KUBECONFIG = kube.adminKubeconfig;
  // 50 ms reconnects: a resumed watch usually lands in the restarted server's first second, when it refuses
  // everyone (401/403) until its authorization caches have synced; that is the case the waiter must ride out.
  fx = await runnerFixture('apirestart', {
    onPodFinished: (_pod, _phase, at) => {
      podFinishedAt = at;
    },
    runner: { reconnectMs: 50, onWatchRestart: (why) => restarts.push(why) },
  });
}, 120_000);

afterAll(async () => {
  await fx?.stop();
  await kube?.stop();
});

it('resumes the watch after kube-apiserver restarts and reports the Job that finished meanwhile', async () => {
  // The container outlives the restart (~10 s here), so its final status is written to the restarted server.
  const { handle, outcome: waiting } = await startWatchedJob(fx, kube, 'restart', 15);

  const down = Date.now();
  await kube.restartApiserver(1000);
  const backUp = Date.now();
  const outcome = await waiting;
  const reported = Date.now();
  console.log(
    `kube-apiserver down+restart ${backUp - down} ms; outcome ${reported - podFinishedAt} ms after the pod finished; restarts: ${summary(restarts)}`,
  );

  expect(outcome).toEqual({ status: 'succeeded' });
  expect(restarts.length).toBeGreaterThan(0);
  expect(
    restarts.every((why) =>
      /^(watch ended, resuming|resourceVersion gone, re-listing|list failed|watch refused \(40[13]\), retrying)/.test(
        why,
      ),
    ),
  ).toBe(true);
  await expectOnlyJobSucceeded(fx, handle);
});
