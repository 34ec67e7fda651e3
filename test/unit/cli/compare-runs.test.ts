// compareRuns (src/cli/compare-runs.ts) with an in-memory MLflow that keeps experiments apart: which requests it
// makes with the experiments' ids remembered, without them, with a stale one, before a pointer exists, and
// what it does with pointed runs it must not use.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareRuns, type CompareTracking } from '../../../src/cli/compare-runs.js';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import type { TrackedRun } from '../../../src/tracking/tracked-run.js';
import { TrackingError } from '../../../src/tracking/tracking-error.js';
import { pointerTagKey, pointerValue } from '../../../src/runs/baseline-pointer.js';

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

const POINTER_TAG = pointerTagKey('main');
const BASELINE_PARAMS = 'alpha=0.5 l1_ratio=0.5 seed=42';

/** The pointer the bot writes after a merge, naming `runIds` in experiment `experimentId`. */
function pointer(experimentId: string, runIds: string[], repo = 'acme/models', key?: string): Record<string, string> {
  const value = { repo, branch: 'main', params: BASELINE_PARAMS, sha: 'abcdef0123456', runIds, startTime: 1000 };
  return { [POINTER_TAG]: pointerValue(value, { experimentId, tagKey: POINTER_TAG }, key) };
}

/**
 * Experiment '1' holds the candidate, '7' the baseline and its pointer; `runs` and `experimentTags` may be changed
 * by a test. The search understands the two filters compare sends: `run_id IN (…)` and the bot's baseline search.
 * `calls` lists every request, in order.
 */
function memoryMlflow() {
  const runs = [
    run('c1', '1', 'candidate', 'alpha=0.1 l1_ratio=0.5 seed=42', 0.69),
    run('b1', '7', 'baseline', BASELINE_PARAMS, 0.74),
  ];
  const experimentTags: Record<string, Record<string, string>> = { '1': {}, '7': pointer('7', ['b1']) };
  const calls: string[] = [];
  const tracking: CompareTracking = {
    getRun: async (id) => {
      calls.push(`getRun ${id}`);
      const found = runs.find((r) => r.info.runId === id);
      if (!found) throw new TrackingError('no such run', { status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
      return structuredClone(found);
    },
    getExperiment: async (id) => {
      calls.push(`getExperiment ${id}`);
      return { experimentId: id, name: id, lifecycleStage: 'active', tags: { ...experimentTags[id] } };
    },
    searchRuns: async (input) => {
      const ids = /^attributes\.run_id IN \((.*)\)$/.exec(input.filter ?? '')?.[1];
      const inExperiments = runs.filter((r) => input.experimentIds.includes(r.info.experimentId));
      if (ids !== undefined) {
        const wanted = ids.split(', ').map((id) => id.slice(1, -1));
        calls.push(`searchRuns ${input.experimentIds.join(',')} by id ${wanted.join(',')}`);
        return { runs: structuredClone(inExperiments.filter((r) => wanted.includes(r.info.runId))) };
      }
      calls.push(`searchRuns ${input.experimentIds.join(',')}`);
      const repo = /`trainbot\.repo` = '([^']*)'/.exec(input.filter ?? '')?.[1];
      const baselines = inExperiments.filter(
        (r) => r.tags['trainbot.role'] === 'baseline' && r.tags['trainbot.repo'] === repo,
      );
      return { runs: structuredClone(baselines) };
    },
    searchAllRuns: async () => ({ runs: [], truncated: false }),
    getExperimentByName: async (name) => {
      calls.push(`getExperimentByName ${name}`);
      const id = { [BASELINES]: '7', [config.experiment]: '1' }[name];
      return id === undefined ? undefined : { experimentId: id, name, lifecycleStage: 'active' };
    },
  };
  return { tracking, calls, runs, experimentTags };
}

const remembered = () =>
  new Map([
    [config.experiment, '1'],
    [BASELINES, '7'],
  ]);

describe('compareRuns', () => {
  it('with both experiments remembered and a pointer: the pointer, then one search by id for both runs', async () => {
    const { tracking, calls } = memoryMlflow();
    const outcome = await compareRuns({ runId: 'c1', config, tracking, experimentIds: remembered() });
    expect(calls).toEqual(['getExperiment 7', 'searchRuns 1,7 by id c1,b1']);
    expect(outcome.baseline?.runId).toBe('b1');
    expect(outcome.candidate.runId).toBe('c1');
    expect(outcome.markdown).toContain('### trainbot: alpha=0.1 vs baseline');
  });

  it('without them: looks both experiments up once and remembers them', async () => {
    const { tracking, calls } = memoryMlflow();
    const ids = new Map<string, string>();
    await compareRuns({ runId: 'c1', config, tracking, experimentIds: ids });
    expect(calls).toEqual([
      `getExperimentByName ${config.experiment}`,
      `getExperimentByName ${BASELINES}`,
      'getExperiment 7',
      'searchRuns 1,7 by id c1,b1',
    ]);
    expect(Object.fromEntries(ids)).toEqual({ [config.experiment]: '1', [BASELINES]: '7' });
  });

  it('before the first pointer: the run by id, then the baseline search', async () => {
    const { tracking, calls, experimentTags } = memoryMlflow();
    experimentTags['7'] = {};
    const outcome = await compareRuns({ runId: 'c1', config, tracking, experimentIds: remembered() });
    expect(calls).toEqual(['getExperiment 7', 'getRun c1', 'searchRuns 7']);
    expect(outcome.baseline?.runId).toBe('b1');
  });

  it('with a stale baselines id that finds nothing: looks the experiment up again and uses its pointer', async () => {
    const { tracking, calls } = memoryMlflow();
    const ids = new Map([
      [config.experiment, '1'],
      [BASELINES, '3'], // an experiment deleted and made again under the same name
    ]);
    const outcome = await compareRuns({ runId: 'c1', config, tracking, experimentIds: ids });
    expect(calls).toEqual([
      'getExperiment 3',
      'getRun c1',
      'searchRuns 3',
      `getExperimentByName ${BASELINES}`,
      'getExperiment 7',
      'searchRuns 1,7 by id b1',
    ]);
    expect(outcome.baseline?.runId).toBe('b1');
    expect(ids.get(BASELINES)).toBe('7');
  });

  it('reads a run outside both experiments by id, and still compares it with the pointed baseline', async () => {
    const { tracking, calls, runs } = memoryMlflow();
    runs.push(run('c9', '9', 'candidate', 'alpha=0.2 l1_ratio=0.5 seed=42', 0.7));
    const outcome = await compareRuns({ runId: 'c9', config, tracking, experimentIds: remembered() });
    expect(calls).toEqual(['getExperiment 7', 'searchRuns 1,7 by id c9,b1', 'getRun c9']);
    expect(outcome.baseline?.runId).toBe('b1');
    expect(outcome.experimentId).toBe('9');
  });

  it('says in one sentence that a run id is unknown', async () => {
    const { tracking } = memoryMlflow();
    await expect(compareRuns({ runId: 'c404', config, tracking, experimentIds: remembered() })).rejects.toThrow(
      'MLflow has no run c404 (the run to compare); check the id, and that MLFLOW_TRACKING_URI is the server that ran it.',
    );
  });

  it('does not take a pointed run the search no longer returns (deleted): the baseline search answers', async () => {
    const { tracking, calls, experimentTags } = memoryMlflow();
    experimentTags['7'] = pointer('7', ['b1', 'gone']); // a baseline with repeats, one of whose runs was deleted
    const outcome = await compareRuns({ runId: 'c1', config, tracking, experimentIds: remembered() });
    expect(calls).toEqual(['getExperiment 7', 'searchRuns 1,7 by id c1,b1,gone', 'searchRuns 7']);
    expect(outcome.baseline?.runId).toBe('b1');
  });

  it("does not take another repo's pointer for the candidate's repo: the baseline search answers", async () => {
    const { tracking, calls, experimentTags, runs } = memoryMlflow();
    runs.push({
      ...run('o1', '7', 'baseline', BASELINE_PARAMS, 0.5),
      tags: { ...run('o1', '7', 'baseline', BASELINE_PARAMS, 0.5).tags, 'trainbot.repo': 'other/repo' },
    });
    experimentTags['7'] = pointer('7', ['o1'], 'other/repo');
    const outcome = await compareRuns({ runId: 'c1', config, tracking, experimentIds: remembered() });
    expect(calls).toEqual(['getExperiment 7', 'searchRuns 1,7 by id c1,o1', 'searchRuns 7']);
    expect(outcome.baseline?.runId).toBe('b1');
  });

  it('with a signing key, refuses a run whose trainbot tags are not signed, in one sentence', async () => {
    const { tracking, calls, experimentTags } = memoryMlflow();
    const key = 'k'.repeat(32);
    experimentTags['7'] = pointer('7', ['b1'], 'acme/models', key); // the bot's pointer, so the search reads c1
    const signed = Object.assign(tracking, { signingKey: key });
    await expect(compareRuns({ runId: 'c1', config, tracking: signed, experimentIds: remembered() })).rejects.toThrow(
      'Run c1 (the run to compare) does not carry a valid trainbot signature (its tags were changed, or another trainbot signed it), so it is not compared.',
    );
    expect(calls).toEqual(['getExperiment 7', 'searchRuns 1,7 by id c1,b1']);
  });
});
