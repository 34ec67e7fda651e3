import { describe, expect, it } from '@jest/globals';
import { type BaselinePointer, pointerTagKey, pointerValue } from '../../../src/runs/baseline-pointer.js';
import { metricsTags } from '../../../src/runs/metrics-signature.js';
import { RUN_TAGS, originTags } from '../../../src/runs/run-contract.js';
import { signRun } from '../../../src/runs/run-signature.js';
import type { SearchRunsInput } from '../../../src/tracking/mlflow-client.js';
import { moveBaselinePointer } from '../../../src/tracking/pointed-baseline.js';
import { lookupBaseline } from '../../../src/tracking/run-queries.js';
import type { TrackedRun } from '../../../src/tracking/tracked-run.js';
import { TrackingError } from '../../../src/tracking/tracking-error.js';

const KEY = 'k'.repeat(40);
const METRICS = { rmse: 0.7436, mae: 0.6043 };
const query = { experimentId: '7', repo: 'acme/wine', branch: 'main', params: 'alpha=0.5 l1_ratio=0.2' };
const TAG = pointerTagKey('main');
const where = { experimentId: '7', tagKey: TAG };

/** A baseline as the bot leaves it: origin tags signed, compared metrics recorded and signed at the end. */
function baseline(
  runId: string,
  startTime: number,
  tagChanges: Record<string, string> = {},
  params = query.params,
): TrackedRun {
  const tags = originTags({
    ...query,
    params,
    sha: `${runId}`.padEnd(40, '0'),
    request: 'merge-1',
    role: 'baseline',
  });
  return {
    info: { runId, runName: runId, experimentId: '7', status: 'FINISHED', startTime },
    metrics: { ...METRICS },
    params: {},
    tags: {
      ...tags,
      [RUN_TAGS.signature]: signRun(KEY, runId, tags),
      ...metricsTags(KEY, runId, METRICS, Object.keys(METRICS)),
      ...tagChanges,
    },
  };
}

function pointerAt(run: TrackedRun, extra: Partial<BaselinePointer> = {}): BaselinePointer {
  return {
    ...query,
    sha: run.tags[RUN_TAGS.sha] ?? '',
    runIds: [run.info.runId],
    startTime: run.info.startTime,
    ...extra,
  };
}

/** MLflow in memory: the baselines' experiment tags and its runs; every call is recorded. */
function fakeMlflow(runs: TrackedRun[], tags: Record<string, string>, { key }: { key?: string } = { key: KEY }) {
  const calls: string[] = [];
  return {
    calls,
    tags,
    signingKey: key,
    async getExperiment(id: string) {
      calls.push(`experiments/get ${id}`);
      return { experimentId: id, name: 'wine/baselines', lifecycleStage: 'active', tags: { ...tags } };
    },
    async setExperimentTag(id: string, k: string, value: string) {
      calls.push(`experiments/set-experiment-tag ${id} ${k}`);
      tags[k] = value;
    },
    async getRun(id: string) {
      calls.push(`runs/get ${id}`);
      const run = runs.find((r) => r.info.runId === id);
      if (!run) throw new TrackingError(`Run '${id}' not found.`, { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
      return structuredClone(run);
    },
    async searchRuns(input: SearchRunsInput) {
      calls.push('runs/search');
      const newest = [...runs].sort((a, b) => b.info.startTime - a.info.startTime);
      return { runs: newest.slice(0, input.maxResults) };
    },
    async searchAllRuns() {
      return { runs, truncated: false };
    },
  };
}

describe('lookupBaseline with a baseline pointer', () => {
  const current = baseline('current', 200);
  const older = baseline('older', 100);

  it('reads the pointed run in one experiments/get and one runs/get, and never searches', async () => {
    const mlflow = fakeMlflow([older, current], { [TAG]: pointerValue(pointerAt(current), where, KEY) });
    const found = await lookupBaseline(mlflow, query);
    expect(found.run?.info.runId).toBe('current');
    expect(found.run?.metrics).toEqual(METRICS);
    expect(mlflow.calls).toEqual(['experiments/get 7', 'runs/get current']);
  });

  it('returns every run of a baseline trained with repeats, in the pointer order', async () => {
    const second = baseline('second', 201);
    const value = pointerValue(pointerAt(current, { runIds: ['current', 'second'] }), where, KEY);
    const found = await lookupBaseline(fakeMlflow([current, second], { [TAG]: value }), query);
    expect(found.runs?.map((r) => r.info.runId)).toEqual(['current', 'second']);
    expect(found.run?.info.runId).toBe('current');
  });

  it('searches, as before pointers, when there is no pointer yet', async () => {
    const mlflow = fakeMlflow([older, current], {});
    expect((await lookupBaseline(mlflow, query)).run?.info.runId).toBe('current');
    expect(mlflow.calls).toEqual(['experiments/get 7', 'runs/search']);
  });

  it('does not use a forged pointer: it searches and says why', async () => {
    // Someone with the bot's MLflow credentials but not its key points main back at an older, worse baseline.
    const forged = pointerValue(pointerAt(older), where, 'x'.repeat(40));
    const mlflow = fakeMlflow([older, current], { [TAG]: forged });
    const found = await lookupBaseline(mlflow, query);
    expect(found).toMatchObject({ run: { info: { runId: 'current' } }, refusedPointer: 'forged' });
    expect(mlflow.calls).toContain('runs/search');
  });

  it('does not use an unsigned pointer when a key is configured', async () => {
    const mlflow = fakeMlflow([older, current], { [TAG]: pointerValue(pointerAt(older), where, undefined) });
    expect(await lookupBaseline(mlflow, query)).toMatchObject({
      run: { info: { runId: 'current' } },
      refusedPointer: 'unsigned',
    });
  });

  it('uses an unsigned pointer without a key, as runs are trusted without one', async () => {
    const plainCurrent = { ...current, tags: originTags({ ...query, sha: 'c', request: 'r', role: 'baseline' }) };
    const value = pointerValue(pointerAt(plainCurrent), where, undefined);
    const mlflow = fakeMlflow([plainCurrent], { [TAG]: value }, {});
    expect((await lookupBaseline(mlflow, query)).run?.info.runId).toBe('current');
    expect(mlflow.calls).not.toContain('runs/search');
  });

  it('searches when the signed pointer names a run that is not such a baseline any more', async () => {
    const cases: TrackedRun[] = [
      baseline('current', 200, { [RUN_TAGS.role]: 'candidate' }), // re-tagged: its signature fails too
      { ...current, info: { ...current.info, status: 'FAILED' } },
      { ...current, info: { ...current.info, deleted: true } },
    ];
    for (const changed of cases) {
      const mlflow = fakeMlflow([older, changed], { [TAG]: pointerValue(pointerAt(current), where, KEY) });
      const found = await lookupBaseline(mlflow, query);
      expect(mlflow.calls).toContain('runs/search');
      expect(found.refusedPointer).toBeUndefined();
    }
    const gone = fakeMlflow([older], { [TAG]: pointerValue(pointerAt(current), where, KEY) });
    expect((await lookupBaseline(gone, query)).run?.info.runId).toBe('older');
  });

  it('searches when the pointer is for other params or the question is about an older baseline', async () => {
    const value = pointerValue(pointerAt(current), where, KEY);
    const otherParams = fakeMlflow([older, current], { [TAG]: value });
    await lookupBaseline(otherParams, { ...query, params: 'alpha=0.9' });
    expect(otherParams.calls).toEqual(['experiments/get 7', 'runs/search']);
    const before = fakeMlflow([older, current], { [TAG]: value });
    await lookupBaseline(before, { ...query, startedBefore: 200 });
    expect(before.calls).toEqual(['experiments/get 7', 'runs/search']);
    const after = fakeMlflow([older, current], { [TAG]: value });
    expect((await lookupBaseline(after, { ...query, startedBefore: 201 })).run?.info.runId).toBe('current');
    expect(after.calls).not.toContain('runs/search');
  });

  it('rejects the pointed baseline once a metric changed, and does not fall back to an older one', async () => {
    const changed = { ...current, metrics: { ...METRICS, rmse: 0.1 } };
    const mlflow = fakeMlflow([older, changed], { [TAG]: pointerValue(pointerAt(current), where, KEY) });
    const found = await lookupBaseline(mlflow, query);
    expect(found.run).toBeUndefined();
    expect(found.rejected?.run.info.runId).toBe('current');
    expect(found.rejected?.check).toEqual({
      status: 'changed',
      changes: [{ metric: 'rmse', recorded: 0.7436, current: 0.1 }],
    });
    expect(mlflow.calls).not.toContain('runs/search');
  });
});

describe('moveBaselinePointer', () => {
  const current = baseline('current', 200);
  const older = baseline('older', 100);

  it('writes a signed pointer to the finished baseline run', async () => {
    const mlflow = fakeMlflow([current], {});
    expect(await moveBaselinePointer(mlflow, query, ['current'])).toBe(true);
    expect(mlflow.tags[TAG]).toBe(pointerValue(pointerAt(current), where, KEY));
  });

  it("points at the default seed's run of a refresh trained with repeats (the other seeds have other params)", async () => {
    const seed43 = baseline('seed43', 201, {}, `${query.params} seed=43`);
    const mlflow = fakeMlflow([current, seed43], {});
    expect(await moveBaselinePointer(mlflow, query, ['current', 'seed43'])).toBe(true);
    expect(mlflow.tags[TAG]).toBe(pointerValue(pointerAt(current), where, KEY));
  });

  it('does not move back to a baseline older than the one it points at', async () => {
    const mlflow = fakeMlflow([older, current], { [TAG]: pointerValue(pointerAt(current), where, KEY) });
    expect(await moveBaselinePointer(mlflow, query, ['older'])).toBe(false);
    expect(mlflow.calls).not.toContainEqual(expect.stringMatching(/set-experiment-tag/));
  });

  it('does not point at a run that is not a finished, verified baseline of that branch and params', async () => {
    const running = { ...current, info: { ...current.info, status: 'RUNNING' as const } };
    const forged = baseline('current', 200, { [RUN_TAGS.signature]: 'f'.repeat(64) });
    for (const run of [running, forged]) {
      const mlflow = fakeMlflow([run], {});
      expect(await moveBaselinePointer(mlflow, query, ['current'])).toBe(false);
      expect(mlflow.tags[TAG]).toBeUndefined();
    }
    expect(await moveBaselinePointer(fakeMlflow([current], {}), query, [])).toBe(false);
  });
});
