// runRequest (the CLI and the sweep action) with a signing key, on in-memory ports: a baseline whose metrics
// changed after trainbot recorded them is not compared with; the CLI, which trains missing baselines, says why
// it trains a new one.
import { describe, expect, it } from '@jest/globals';
import { planRequest } from '../../../src/pipeline/plan-request.js';
import { toRunResult } from '../../../src/report/to-run-result.js';
import { NO_BASELINE_HINT_OFF_PR, runRequest } from '../../../src/pipeline/run-request.js';
import { groupRepeats } from '../../../src/report/group-repeats.js';
import { verifyRun, withSigningKey } from '../../../src/runs/run-signature.js';
import { repoConfig } from '../config/repo-config.js';
import { MemoryTracking, ScriptedRunner } from './memory-ports.js';

const config = repoConfig();
const origin = { repo: 'local/wine', sha: 'c'.repeat(40), branch: 'tune', request: 'cli-1' };

function plans(command: string) {
  const planned = planRequest(command, config);
  if ('reply' in planned) throw new Error(planned.reply);
  return planned.runs;
}
const request = (command: string, missingBaseline: 'train' | 'compare-without') => ({
  plans: plans(command),
  config,
  origin,
  missingBaseline,
  noBaselineHint: NO_BASELINE_HINT_OFF_PR,
});

async function tamperedBaseline() {
  const tracking = withSigningKey(new MemoryTracking(), 'k'.repeat(40));
  const runner = new ScriptedRunner(tracking);
  await runRequest({ ...request('/train', 'train'), tracking, runner });
  const baseline = tracking.runs.find((r) => r.tags['trainbot.role'] === 'baseline');
  if (!baseline) throw new Error('no baseline was trained');
  baseline.metrics.rmse = 9.99;
  return { tracking, runner, baseline };
}

describe('runRequest with a baseline changed after it was recorded', () => {
  it('without training baselines: reports against none, naming the run and the change', async () => {
    const { tracking, runner, baseline } = await tamperedBaseline();
    const outcome = await runRequest({ ...request('/train alpha=0.1', 'compare-without'), tracking, runner });
    expect(outcome.baseline).toBeUndefined();
    expect(outcome.conclusion).toBe('neutral');
    expect(
      outcome.markdown
        .replace(/\n\n<details><summary>Reproduce [^]*$/, '')
        .split('\n')
        .at(-1),
    ).toBe(
      `Commit \`ccccccc\`. ⚠️ The baseline run \`${baseline.info.runId.slice(0, 8)}\` (\`ccccccc\` on \`main\`) was changed after trainbot recorded it (rmse 0.7000 → 9.9900), ` +
        'so it was not used. Run `trainbot run "/train"` on the baseline branch, or merge a pull request: trainbot trains one on merge.',
    );
  });

  it('the CLI trains a new baseline, saying why, and compares with that one', async () => {
    const { tracking, runner } = await tamperedBaseline();
    const said: string[] = [];
    const outcome = await runRequest({
      ...request('/train alpha=0.1', 'train'),
      tracking,
      runner,
      onProgress: (m) => said.push(m),
    });
    expect(said[0]).toBe(
      'The newest baseline of main was changed after trainbot recorded it: training one with the default params (alpha=0.5 l1_ratio=0.5 seed=42).',
    );
    expect(outcome.baseline?.metrics).toEqual({ mae: 0.55, r2: 0.2, rmse: 0.7 });
  });
});

describe('runRequest with repeats', () => {
  // rmse from the seed (the split) and alpha (the change): the seed's part cancels in each pair.
  const metrics = (spec: { args: readonly string[] }) => {
    const flag = (name: string) => Number(spec.args[spec.args.indexOf(name) + 1]);
    return { rmse: 0.7 + 0.01 * (flag('--seed') - 42) + 0.1 * (flag('--alpha') - 0.5), mae: 0.55, r2: 0.2 };
  };

  it('the CLI trains the baseline for every seed of the request, then pairs each run with the same seed', async () => {
    const tracking = new MemoryTracking();
    const runner = new ScriptedRunner(tracking, { metrics });
    const outcome = await runRequest({ ...request('/train alpha=0.4 repeats=3', 'train'), tracking, runner });
    const trained = (role: string) =>
      tracking.runs.filter((r) => r.tags['trainbot.role'] === role).map((r) => r.tags['trainbot.params']);
    expect(trained('baseline').sort()).toEqual([
      'alpha=0.5 l1_ratio=0.5 seed=42',
      'alpha=0.5 l1_ratio=0.5 seed=43',
      'alpha=0.5 l1_ratio=0.5 seed=44',
    ]);
    expect(trained('candidate')).toHaveLength(3);
    expect(outcome.baseline?.repeats?.map((r) => r.seed)).toEqual([42, 43, 44]);
    expect(outcome.points).toHaveLength(1);
    expect(outcome.best?.metrics.rmse).toBeCloseTo(0.7, 12); // mean of 0.69, 0.70, 0.71
    expect(outcome.conclusion).toBe('success'); // −0.01 on every seed: better, though the seeds spread by 0.02
    expect(outcome.markdown.split('\n').slice(4, 7)).toEqual([
      '| **rmse** (primary) | 0.7100 ± 0.0100 | 0.7000 ± 0.0100 | −0.0100 ± 0.0000 | ✅ better       |',
      '| mae                | 0.5500 ± 0.0000 | 0.5500 ± 0.0000 |  0.0000 ± 0.0000 | 〰️ within noise |',
      '| r2                 | 0.2000 ± 0.0000 | 0.2000 ± 0.0000 |  0.0000 ± 0.0000 | 〰️ within noise |',
    ]);

    // A second request finds all three and trains no baseline.
    const again = await runRequest({ ...request('/train alpha=0.6 repeats=3', 'train'), tracking, runner });
    expect(trained('baseline')).toHaveLength(3);
    expect(again.conclusion).toBe('failure'); // +0.01 on every seed: worse
  });

  it('marks each repeat with its seed, signed, so a report read back from MLflow joins them into one point', async () => {
    const tracking = withSigningKey(new MemoryTracking(), 'k'.repeat(40));
    const runner = new ScriptedRunner(tracking, { metrics });
    await runRequest({ ...request('/train alpha=0.4 repeats=3', 'train'), tracking, runner });
    const candidates = tracking.runs.filter((r) => r.tags['trainbot.role'] === 'candidate');
    expect(candidates.map((r) => r.tags['trainbot.repeat'])).toEqual(['42', '43', '44']);
    expect(candidates.every((r) => verifyRun('k'.repeat(40), r))).toBe(true);
    // As the merge report and the reconciler read them: one point of three seeds.
    const points = groupRepeats(
      candidates.map((r) => toRunResult(r, config)),
      config,
    );
    expect(points.map((p) => p.repeats?.map((r) => r.seed))).toEqual([[42, 43, 44]]);
    // The seed is signed with the origin tags: a container that changes it breaks its run's signature.
    const forged = { ...candidates[0]!, tags: { ...candidates[0]!.tags, 'trainbot.repeat': '44' } };
    expect(verifyRun('k'.repeat(40), forged)).toBe(false);
  });

  it('the CLI trains every seed again when the baseline has only the default seed, saying so', async () => {
    const tracking = new MemoryTracking();
    const runner = new ScriptedRunner(tracking, { metrics });
    await runRequest({ ...request('/train', 'train'), tracking, runner });
    const said: string[] = [];
    const outcome = await runRequest({
      ...request('/train alpha=0.4 repeats=3', 'train'),
      tracking,
      runner,
      onProgress: (m) => said.push(m),
    });
    expect(said[0]).toBe(
      'The baseline of main lacks some of the seeds 42, 43, 44: training one with the default params (alpha=0.5 l1_ratio=0.5 seed=42).',
    );
    expect(tracking.runs.filter((r) => r.tags['trainbot.role'] === 'baseline')).toHaveLength(4);
    expect(outcome.baseline?.repeats).toHaveLength(3);
  });
});

describe('runRequest: the reproducibility footer', () => {
  const image = `ghcr.io/octo-org/wine-training@sha256:${'ab'.repeat(32)}`;
  // The container logs its data set as the training code does (mlflow.log_input); the runtime names the image.
  function loggingData(tracking: MemoryTracking) {
    return new ScriptedRunner(tracking, {
      outcome: (spec) => {
        const run = tracking.runs.find((r) => r.info.runId === spec.env.MLFLOW_RUN_ID);
        if (run) run.datasets = [{ name: 'winequality-red', digest: '9e3cd6ce' }];
        return { status: 'succeeded', image };
      },
    });
  }

  it.each([
    ['without a signing key', undefined],
    ['with a signing key (the tag rides with the metrics record)', 'k'.repeat(40)],
  ])('%s: names the image and the data digest read with the run, and keeps the image on the run', async (_, key) => {
    const tracking = withSigningKey(new MemoryTracking(), key);
    const outcome = await runRequest({
      ...request('/train alpha=0.1', 'compare-without'),
      tracking,
      runner: loggingData(tracking),
    });
    expect(outcome.runs[0]?.provenance).toEqual({
      image,
      datasets: [{ name: 'winequality-red', digest: '9e3cd6ce' }],
    });
    const runId = outcome.runs[0]?.runId as string;
    const stored = tracking.runs.find((r) => r.info.runId === runId);
    expect(stored?.tags['trainbot.image']).toBe(image);
    // Set after the run was signed, the tag is not one the signature covers: the run still verifies.
    if (key) expect(verifyRun(key, stored as NonNullable<typeof stored>)).toBe(true);
    expect(outcome.markdown).toContain(`- Image: \`${image}\``);
    expect(outcome.markdown).toContain('- Data: `winequality-red` digest `9e3cd6ce`');
    expect(outcome.markdown).toContain(`- Commit: \`${'c'.repeat(40)}\``);
  });
});
