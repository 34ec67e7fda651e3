// compareRuns (src/cli/compare-runs.ts) with an in-memory MLflow that keeps experiments apart: which requests it
// makes with a remembered baselines-experiment id, without one, and with one that went stale.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareRuns, type CompareTracking } from '../../../src/cli/compare-runs.js';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import type { TrackedRun } from '../../../src/tracking/tracked-run.js';

const loaded = parseConfig(readFileSync(resolve(import.meta.dirname, '../../../.github/trainbot.yml'), 'utf8'));
if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
const config: TrainbotConfig = loaded.config;
const BASELINES = `${config.experiment}/baselines`;

function run(id: string, experimentId: string, role: string, params: string, rmse: number): TrackedRun {
  return {
    info: { runId: id, runName: `${role}-${id}`, experimentId, status: 'FINISHED', startTime: 1000 },
    metrics: { rmse, mae: 0.6, r2: 0.1 },
    params: {},
    tags: {
      'trainbot.repo': 'acme/models',
      'trainbot.role': role,
      'trainbot.branch': 'main',
      'trainbot.sha': 'abcdef0123456',
      'trainbot.params': params,
    },
  };
}

/** Experiment '7' holds the baseline; the candidate is in '1'. `calls` lists every request, in order. */
function memoryMlflow(): CompareTracking & { calls: string[] } {
  const runs = [
    run('c1', '1', 'candidate', 'alpha=0.1 l1_ratio=0.5 seed=42', 0.69),
    run('b1', '7', 'baseline', 'alpha=0.5 l1_ratio=0.5 seed=42', 0.74),
  ];
  const calls: string[] = [];
  return {
    calls,
    getRun: async (id) => {
      calls.push(`getRun ${id}`);
      return structuredClone(runs.find((r) => r.info.runId === id) as TrackedRun);
    },
    searchRuns: async (input) => {
      calls.push(`searchRuns ${input.experimentIds.join(',')}`);
      return {
        runs: runs.filter(
          (r) => r.tags['trainbot.role'] === 'baseline' && input.experimentIds.includes(r.info.experimentId),
        ),
      };
    },
    searchAllRuns: async () => ({ runs: [], truncated: false }),
    getExperimentByName: async (name) => {
      calls.push(`getExperimentByName ${name}`);
      return name === BASELINES ? { experimentId: '7', name, lifecycleStage: 'active' } : undefined;
    },
  };
}

describe('compareRuns', () => {
  it('with the baselines experiment remembered: the run, then the baseline search, nothing else', async () => {
    const tracking = memoryMlflow();
    const outcome = await compareRuns({ runId: 'c1', config, tracking, experimentIds: new Map([[BASELINES, '7']]) });
    expect(tracking.calls).toEqual(['getRun c1', 'searchRuns 7']);
    expect(outcome.baseline?.runId).toBe('b1');
    expect(outcome.markdown).toContain('### trainbot: alpha=0.1 vs baseline');
  });

  it('without it: looks the experiment up once and remembers it', async () => {
    const tracking = memoryMlflow();
    const ids = new Map<string, string>();
    await compareRuns({ runId: 'c1', config, tracking, experimentIds: ids });
    expect(tracking.calls).toEqual(['getRun c1', `getExperimentByName ${BASELINES}`, 'searchRuns 7']);
    expect(ids.get(BASELINES)).toBe('7');
  });

  it('with a stale id that finds nothing: looks the experiment up again and searches the current one', async () => {
    const tracking = memoryMlflow();
    const ids = new Map([[BASELINES, '3']]); // an experiment deleted and made again under the same name
    const outcome = await compareRuns({ runId: 'c1', config, tracking, experimentIds: ids });
    expect(tracking.calls).toEqual(['getRun c1', 'searchRuns 3', `getExperimentByName ${BASELINES}`, 'searchRuns 7']);
    expect(outcome.baseline?.runId).toBe('b1');
    expect(ids.get(BASELINES)).toBe('7');
  });

  it('with a signing key, refuses a run whose trainbot tags are not signed, in one sentence', async () => {
    const tracking = Object.assign(memoryMlflow(), { signingKey: 'k'.repeat(32) });
    await expect(
      compareRuns({ runId: 'c1', config, tracking, experimentIds: new Map([[BASELINES, '7']]) }),
    ).rejects.toThrow(
      'Run c1 (the run to compare) does not carry a valid trainbot signature (its tags were changed, or another trainbot signed it), so it is not compared.',
    );
    expect(tracking.calls).toEqual(['getRun c1']);
  });
});
