// The Job a fault test disturbs, on a control plane of the test's own (private-kube.ts): a container that
// prints "up" and sleeps, whose outcome the runner is already waiting for when the fault strikes; and what
// must be true once the fault has passed: that Job alone in the namespace, succeeded, with its one Pod.
import { expect } from '@jest/globals';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { RunHandle, RunOutcome } from '../../src/runners/runner.js';
import { eventually, pythonSpec, type RunnerFixture } from './kube-runner-fixture.js';
import type { PrivateKube } from './private-kube.js';

export interface WatchedJob {
  handle: RunHandle;
  outcome: Promise<RunOutcome>; // the runner's wait(), started before the fault
}

/** Dispatches `name`, which prints "up" and sleeps `seconds`; resolves once it runs and the runner's waiter watches it. */
export async function startWatchedJob(
  fx: RunnerFixture,
  kube: PrivateKube,
  name: string,
  seconds: number,
): Promise<WatchedJob> {
  const handle = await fx.runner.dispatch(
    pythonSpec(name, `import time; print("up", flush=True); time.sleep(${seconds})`),
  );
  await eventually(async () => ((await fx.runner.logs(handle, 1)) === 'up\n' ? true : undefined), 20_000, 'started');
  const outcome = fx.runner.wait(handle);
  await kube.watchOpen('jobs'); // the waiter's watch (the test node watches pods, not Jobs)
  return { handle, outcome };
}

/** One Job in the fixture's namespace, `handle`'s, counted succeeded by the Job controller; one Pod, Succeeded. */
export async function expectOnlyJobSucceeded(fx: RunnerFixture, handle: RunHandle): Promise<void> {
  const batch = fx.ns.admin.makeApiClient(BatchV1Api);
  const jobs = await batch.listNamespacedJob({ namespace: fx.ns.name });
  expect(jobs.items.map((j) => j.metadata?.name)).toEqual([handle.name]);
  // SuccessCriteriaMet (which the waiter reports on) can come a moment before the controller counts the pod.
  await eventually(
    async () =>
      (await batch.readNamespacedJob({ name: handle.name, namespace: fx.ns.name })).status?.succeeded === 1 ||
      undefined,
    10_000,
    'Job counted as succeeded',
  );
  const pods = await fx.ns.admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: fx.ns.name });
  expect(pods.items.map((p) => p.status?.phase)).toEqual(['Succeeded']);
}
