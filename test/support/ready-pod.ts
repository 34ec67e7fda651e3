// A server image as one Pod on the real node (real-node.ts), ready when its readiness probe passes. When it
// is not, the assertion carries the container's state and its last log lines, which say why.
import { expect } from '@jest/globals';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { TestNamespace } from './kube-namespace.js';
import type { RealNode } from './real-node.js';

/**
 * Creates `body` in `ns`, reads it every `everyMs` until it is Ready, has ended, or `withinMs` has passed,
 * and expects it Ready on `node` running `image` (pinned by digest). Resolves to the ms from creation to Ready.
 */
export async function expectPodReady(
  ns: TestNamespace,
  node: RealNode,
  body: V1Pod,
  image: string,
  { withinMs, everyMs }: { withinMs: number; everyMs: number },
): Promise<number> {
  const core = ns.admin.makeApiClient(CoreV1Api);
  const name = body.metadata?.name ?? '';
  const started = Date.now();
  await core.createNamespacedPod({ namespace: ns.name, body });
  let pod: V1Pod | undefined;
  let ready = false;
  while (!ready && Date.now() - started < withinMs) {
    await new Promise((done) => setTimeout(done, everyMs));
    pod = await core.readNamespacedPod({ namespace: ns.name, name });
    ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') break;
  }
  const readyMs = Date.now() - started;
  const status = pod?.status?.containerStatuses?.[0];
  const log = ready ? '' : await core.readNamespacedPodLog({ namespace: ns.name, name, tailLines: 20 }).catch(() => '');
  expect({ ready, state: ready ? 'running' : JSON.stringify(status?.state), log }).toEqual({
    ready: true,
    state: 'running',
    log: '',
  });
  expect(pod?.spec?.nodeName).toBe(node.name);
  expect(status?.imageID).toContain(image.slice(image.indexOf('@') + 1));
  return readyMs;
}
