// How fast KubernetesRunner talks to a real API server: Job create latency (dispatch) and the delay from the
// node marking the Pod Succeeded to wait() resolving (watch → Job controller → watch event).
// Run: . scripts/lib.sh; source scripts/setup.sh; . scripts/services/kube.sh; start_kube; npx tsx bench/kube-wait.ts [runs]
import { pythonSpec, runnerFixture } from '../test/support/kube-runner-fixture.js';

const runs = Number(process.argv[2] ?? 20);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(label: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    `${label}: p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, ` +
    `min ${sorted[0]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (n=${sorted.length})`
  );
}

const finishedAt = new Map<string, number>();
const fx = await runnerFixture('bench', { onPodFinished: (pod, _phase, at) => finishedAt.set(pod, at) });
const create: number[] = [];
const settle: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const handle = await fx.runner.dispatch(pythonSpec(`bench-${i}`, 'pass'));
    create.push(performance.now() - t0);
    const outcome = await fx.runner.wait(handle);
    const resolved = Date.now();
    if (outcome.status !== 'succeeded') throw new Error(`run ${i} ended ${JSON.stringify(outcome)}`);
    const pod = [...finishedAt.keys()].find((name) => name.startsWith(`bench-${i}-`));
    settle.push(resolved - finishedAt.get(pod!)!);
  }
} finally {
  await fx.stop();
}
console.log(summary('Job create (dispatch)', create));
console.log(summary('Pod Succeeded → wait() resolved', settle));
