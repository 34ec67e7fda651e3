// registerModel's decisions with an in-memory registry: which champion is compared with, when the alias is
// left alone, and that a failure never moves it. The MLflow side is test/integration/tracking/model-registry.test.ts.
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import { registerModel } from '../../../src/pipeline/register-model.js';
import type { RunResult } from '../../../src/report/compare.js';
import { comparedMetrics, metricsTags } from '../../../src/runs/metrics-signature.js';
import { RUN_TAGS, originTags } from '../../../src/runs/run-contract.js';
import { signRun } from '../../../src/runs/run-signature.js';
import type { ModelRegistry, ModelVersion } from '../../../src/tracking/model-registry.js';
import { TrackingError } from '../../../src/tracking/tracking-error.js';
import { withModelRegistry } from '../../../src/tracking/model-registry.js';
import { repoConfig } from '../config/repo-config.js';
import { MemoryTracking } from './memory-ports.js';

const KEY = 'k'.repeat(40);
const REPO = 'acme/models';
const experiments = { candidates: '1', baselines: '2' };
const config: TrainbotConfig = {
  ...repoConfig(),
  registry: { model: 'wine', alias: 'champion', loggedModel: 'model' },
};

class MemoryRegistry implements ModelRegistry {
  versions: ModelVersion[] = [];
  aliases = new Map<string, string>();
  loggedModels = new Map<string, string>(); // run id → model id
  readonly calls: string[] = [];
  async ensureRegisteredModel(): Promise<void> {
    this.calls.push('ensure');
  }
  async versionsOfRun(_name: string, runId: string): Promise<ModelVersion[]> {
    return this.versions.filter((v) => v.runId === runId);
  }
  async loggedModelOf(_e: string, runId: string): Promise<string | undefined> {
    return this.loggedModels.get(runId);
  }
  async createVersion(name: string, runId: string): Promise<ModelVersion> {
    const version = { name, version: String(this.versions.length + 1), runId, status: 'READY' };
    this.versions.push(version);
    this.calls.push(`create ${runId}`);
    return version;
  }
  async aliasVersion(_name: string, alias: string): Promise<ModelVersion | undefined> {
    const version = this.aliases.get(alias);
    return this.versions.find((v) => v.version === version);
  }
  async setAlias(_name: string, alias: string, version: string): Promise<void> {
    this.aliases.set(alias, version);
    this.calls.push(`alias ${version}`);
  }
}

let tracking: MemoryTracking;
let registry: MemoryRegistry;

/** A finished run of the baselines' experiment as the signing bot leaves it, with a logged model. */
function baseline(
  runId: string,
  rmse: number,
  overrides: { role?: 'candidate'; experimentId?: string } = {},
): RunResult {
  const metrics = { rmse, mae: 0.5, r2: 0.2 };
  tracking.runs.push({
    info: { runId, runName: runId, experimentId: overrides.experimentId ?? '2', status: 'FINISHED', startTime: 1 },
    metrics,
    params: {},
    tags: {
      ...originTags({
        repo: REPO,
        sha: 'b'.repeat(40),
        branch: 'main',
        request: `merge-${runId}`,
        role: overrides.role ?? 'baseline',
        params: 'alpha=0.5 l1_ratio=0.5 seed=42',
      }),
      ...metricsTags(KEY, runId, metrics, comparedMetrics(config)),
    },
  });
  registry.loggedModels.set(runId, `m-${runId}`);
  return { name: runId, runId, params: {}, state: 'finished', metrics };
}

/** `run` registered and made champion beforehand. */
async function champion(run: RunResult): Promise<void> {
  const version = await registry.createVersion('wine', run.runId as string);
  registry.aliases.set('champion', version.version);
}

const register = (run: RunResult, c: TrainbotConfig = config) =>
  registerModel({ run, repo: REPO, config: c, tracking: withModelRegistry(tracking, registry), experiments });

beforeEach(() => {
  tracking = new MemoryTracking();
  tracking.signingKey = KEY;
  registry = new MemoryRegistry();
});

describe('registerModel', () => {
  it('does nothing without `registry` in the config, or for a run that did not finish', async () => {
    const run = baseline('r1', 0.7);
    const { registry: _, ...off } = config;
    expect(await register(run, off)).toBeUndefined();
    expect(await register({ ...run, state: 'failed' })).toBeUndefined();
    expect(registry.calls).toEqual([]);
  });

  it('keeps a signed champion that is better, and moves from one that is worse', async () => {
    await champion(baseline('old', 0.7));
    expect(await register(baseline('worse', 0.75))).toMatchObject({ kind: 'kept', version: '2', champion: '1' });
    expect(registry.aliases.get('champion')).toBe('1');
    expect(await register(baseline('better', 0.65))).toMatchObject({
      kind: 'moved',
      version: '3',
      previous: { version: '1' },
    });
    expect(registry.aliases.get('champion')).toBe('3');
  });

  it.each([
    ['a candidate run', { role: 'candidate' as const }],
    ['a run of another experiment', { experimentId: '1' }],
  ])('does not compare with a champion that is %s: the alias moves and the report says why', async (_, overrides) => {
    await champion(baseline('squatter', 0.1, overrides));
    expect(await register(baseline('new', 0.75))).toEqual({
      kind: 'moved',
      model: 'wine',
      alias: 'champion',
      version: '2',
      untrusted: '1',
    });
  });

  it('does not compare with a champion whose metrics were changed after the bot signed them', async () => {
    await champion(baseline('tampered', 0.7));
    const run = tracking.runs.find((r) => r.info.runId === 'tampered');
    if (run) run.metrics = { ...run.metrics, rmse: 0.1 };
    expect(await register(baseline('new', 0.75))).toMatchObject({ kind: 'moved', untrusted: '1' });
  });

  it('says so, and registers nothing, when the run logged no model of that name', async () => {
    const run = baseline('r1', 0.7);
    registry.loggedModels.clear();
    expect(await register(run)).toEqual({ kind: 'no-model', model: 'wine', loggedModel: 'model' });
    expect(registry.versions).toEqual([]);
  });

  it('never moves the alias when MLflow fails while reading the champion, and says what MLflow said', async () => {
    await champion(baseline('old', 0.7));
    tracking.beforeRequest = (call) => {
      if (call === 'getRun')
        throw new TrackingError('The MLflow server at http://m failed reading run old with HTTP 503.', { status: 503 });
    };
    const errors: unknown[] = [];
    const outcome = await registerModel({
      run: baseline('new', 0.75),
      repo: REPO,
      config,
      tracking: withModelRegistry(tracking, registry),
      experiments,
      onError: (e) => errors.push(e),
    });
    expect(outcome).toEqual({
      kind: 'failed',
      model: 'wine',
      message: 'The MLflow server at http://m failed reading run old with HTTP 503.',
    });
    expect(registry.aliases.get('champion')).toBe('1');
    expect(errors).toHaveLength(1);
  });
});

/**
 * A refresh trained with repeats: one signed baseline run per seed (42, 43, 44) of commit `sha`, as executeRuns
 * leaves them; resolves with its point as runRequest joins it (the default seed's run first).
 */
function repeated(name: string, sha: string, rmse: readonly number[], overrides: { sign?: boolean } = {}): RunResult {
  const repeats = rmse.map((value, i) => {
    const seed = 42 + i;
    const runId = `${name}-${seed}`;
    const metrics = { rmse: value, mae: 0.5, r2: 0.2 };
    const origin = originTags({
      repo: REPO,
      sha,
      branch: 'main',
      request: `merge-${name}`,
      role: 'baseline',
      params: `alpha=0.5 l1_ratio=0.5 seed=${seed}`,
      repeat: seed,
    });
    const tags = { ...origin, ...metricsTags(KEY, runId, metrics, comparedMetrics(config)) };
    if (overrides.sign !== false) tags[RUN_TAGS.signature] = signRun(KEY, runId, origin);
    tracking.runs.push({
      info: { runId, runName: runId, experimentId: '2', status: 'FINISHED', startTime: 1 },
      metrics,
      params: {},
      tags,
    });
    registry.loggedModels.set(runId, `m-${runId}`);
    return { seed, runId, metrics };
  });
  const first = repeats[0] as { runId: string };
  const means = { rmse: rmse.reduce((a, b) => a + b, 0) / rmse.length, mae: 0.5, r2: 0.2 };
  return { name, runId: first.runId, params: {}, state: 'finished', metrics: means, repeats };
}

describe('registerModel with repeats: the refresh and the champion paired by seed', () => {
  const withRepeats: TrainbotConfig = { ...config, repeats: 3 };
  // Champion 0.74 / 0.75 / 0.76. New: its default seed alone is 0.004 worse, the seeds together within noise.
  const noisy = [0.744, 0.747, 0.765];

  it("moves the alias when the paired verdict is within noise, though the default seed's run alone is worse", async () => {
    await champion(repeated('old', 'a'.repeat(40), [0.74, 0.75, 0.76]));
    const searches: string[] = [];
    tracking.beforeRequest = (call) => void searches.push(call);
    const outcome = await register(repeated('new', 'b'.repeat(40), noisy), withRepeats);
    expect(outcome).toMatchObject({
      kind: 'moved',
      version: '2',
      previous: {
        version: '1',
        comparison: { verdict: 'noise', spread: { interval: { pairs: 3, mean: expect.closeTo(0.002, 10) } } },
      },
    });
    expect(registry.versions.map((v) => v.runId)).toEqual(['old-42', 'new-42']);
    expect(registry.aliases.get('champion')).toBe('2');
    // The champion's run read, and its siblings found in one search.
    expect(searches).toEqual(['getRun', 'searchAllRuns']);
  });

  it('keeps the alias when the paired verdict is worse, and says so with the paired figures', async () => {
    await champion(repeated('old', 'a'.repeat(40), [0.74, 0.75, 0.76]));
    const outcome = await register(repeated('new', 'b'.repeat(40), [0.7409, 0.7515, 0.7612]), withRepeats);
    expect(outcome).toMatchObject({
      kind: 'kept',
      version: '2',
      champion: '1',
      comparison: { verdict: 'worse', delta: expect.closeTo(0.0012, 10), spread: { interval: { pairs: 3 } } },
    });
    expect(registry.aliases.get('champion')).toBe('1');
  });

  it("pairs only the champion's trusted siblings: not another commit's, not unsigned ones, not ones whose metrics changed", async () => {
    await champion(repeated('old', 'a'.repeat(40), [0.74, 0.75, 0.76]));
    // Seed 43 changed after the bot signed it; seed 44's only look-alikes are another commit's or unsigned.
    const changed = tracking.runs.find((r) => r.info.runId === 'old-43');
    if (changed) changed.metrics = { ...changed.metrics, rmse: 0.9 };
    tracking.runs.splice(
      tracking.runs.findIndex((r) => r.info.runId === 'old-44'),
      1,
    );
    repeated('other', 'c'.repeat(40), [0.1, 0.1, 0.1]);
    repeated('forged', 'a'.repeat(40), [0.1, 0.1, 0.1], { sign: false });
    // With one pair left the means decide by the threshold: 0.752 against the champion's 0.74 is worse.
    expect(await register(repeated('new', 'b'.repeat(40), noisy), withRepeats)).toMatchObject({
      kind: 'kept',
      comparison: { verdict: 'worse', baseline: 0.74, spread: { candidateSd: expect.any(Number) } },
    });
    expect(registry.aliases.get('champion')).toBe('1');
  });
});
