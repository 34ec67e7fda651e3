// wait() keeps following a Job when its watch connection ends: cut by the network, or closed by the server.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { adminConfig } from '../../support/kube-namespace.js';
import { eventually, pythonSpec, runnerFixture } from '../../support/kube-runner-fixture.js';
import type { RunnerFixture } from '../../support/kube-runner-fixture.js';
import { startTcpProxy } from '../../support/kube-tcp-proxy.js';
import type { TcpProxy } from '../../support/kube-tcp-proxy.js';

jest.setTimeout(60000);

let proxy: TcpProxy;
let fx: RunnerFixture;
const restarts: string[] = [];

beforeAll(async () => {
  proxy = await startTcpProxy(adminConfig().getCurrentCluster()!.server);
  fx = await runnerFixture('watch', { server: proxy.url, runner: { onWatchRestart: (why) => restarts.push(why) } });
});
afterAll(async () => {
  await fx?.stop();
  await proxy?.close();
});

describe('KubernetesRunner.wait across connection drops', () => {
  it('resumes the watch after the connection is cut and still sees the Job complete', async () => {
    restarts.length = 0;
    const handle = await fx.runner.dispatch(pythonSpec('cut', 'import time; print("up", flush=True); time.sleep(2)'));
    await eventually(async () => ((await fx.runner.logs(handle, 1)) === 'up\n' ? true : undefined), 15000, 'started');
    const outcome = fx.runner.wait(handle);
    // Cut every connection (the open watch among them) a few times while the container still runs.
    const cuts: number[] = [];
    const cutter = setInterval(() => cuts.push(proxy.dropConnections()), 400);
    try {
      expect(await outcome).toEqual({ status: 'succeeded' });
    } finally {
      clearInterval(cutter);
    }
    expect(cuts.some((count) => count > 0)).toBe(true);
    expect(restarts).toContain('watch ended, resuming');
  });

  it('resumes when the server ends each watch early', async () => {
    const runner = new KubernetesRunner({
      namespace: fx.ns.name,
      kubeConfig: fx.bot,
      reconnectMs: 100,
      watchTimeoutSeconds: 1,
      onWatchRestart: (why) => restarts.push(why),
    });
    restarts.length = 0;
    const handle = await runner.dispatch(pythonSpec('short-watches', 'import time; time.sleep(3)'));
    expect(await runner.wait(handle)).toEqual({ status: 'succeeded' });
    expect(restarts.filter((why) => why === 'watch ended, resuming').length).toBeGreaterThanOrEqual(2);
  });
});
