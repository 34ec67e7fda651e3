// executeRuns with image pinning, against the real registry scripts/services/registry.sh filled and the real
// MLflow: the Job names the digest CI pushed for the commit, and a commit whose image never appears gets the
// bound's sentence with nothing started. The runner only records what it was asked to start: what a real
// container does with the image is test/integration/image/training-image.test.ts's subject.
import { describe, expect, it, jest } from '@jest/globals';
import type { RunResult } from '../../../src/report/compare.js';
import { executeRuns } from '../../../src/pipeline/execute-runs.js';
import { RegistryClient } from '../../../src/registry/registry-client.js';
import { planRuns } from '../../../src/runs/plan.js';
import type { JobSpec, Runner } from '../../../src/runners/runner.js';
import { repoConfig } from '../../unit/config/repo-config.js';
import { claimInProcess, releaseInProcess } from '../../../src/runners/in-process-claims.js';
import { botTracking } from '../../support/mlflow-tracking.js';

const { TRAINBOT_TRAINING_IMAGE, TRAINBOT_TRAINING_TAG, TRAINBOT_TRAINING_DIGEST, MLFLOW_TRACKING_URI } = process.env;
if (!TRAINBOT_TRAINING_IMAGE || !TRAINBOT_TRAINING_TAG || !TRAINBOT_TRAINING_DIGEST || !MLFLOW_TRACKING_URI) {
  throw new Error('TRAINBOT_TRAINING_* or MLFLOW_TRACKING_URI is not set; run these tests through scripts/test.sh.');
}
jest.setTimeout(60_000);

const tracking = botTracking();
const config = { ...repoConfig(), image: TRAINBOT_TRAINING_IMAGE };
const planned = planRuns({ alpha: ['0.1', '0.5'] }, config);
if (!planned.ok) throw new Error(planned.message);
const registry = new RegistryClient({ scheme: 'http' });

function recordingRunner(): { runner: Runner; started: JobSpec[] } {
  const started: JobSpec[] = [];
  return {
    started,
    runner: {
      dispatch: async (spec) => (started.push(spec), { name: spec.name }),
      wait: async () => ({ status: 'failed', reason: 'recorded only' }),
      logs: async () => '',
      cancel: async () => undefined,
      active: async () => [],
      claim: claimInProcess,
      release: releaseInProcess,
    },
  };
}

async function execute(sha: string, timeoutMs: number, runner: Runner, seen: RunResult[][]) {
  const experimentId = await tracking.ensureExperiment(`trainbot-image-pin-${Date.now()}-${process.pid}`);
  const runs = await executeRuns({
    plans: planned.ok ? planned.runs : [],
    config,
    experimentId,
    tracking,
    runner,
    origin: { repo: 'acme/wine', pr: 3, sha, branch: 'feature', request: `pin-${sha.slice(0, 4)}`, role: 'candidate' },
    images: { registry, timeoutMs, intervalMs: 200 },
    onChange: (r) => seen.push(r.map((x) => ({ ...x }))),
  });
  return { runs, experimentId };
}

describe('executeRuns with images', () => {
  it('starts every Job with image@digest, the digest CI pushed for the commit', async () => {
    const { runner, started } = recordingRunner();
    await execute(TRAINBOT_TRAINING_TAG, 5_000, runner, []);
    expect(started.map((s) => s.image)).toEqual([
      `${TRAINBOT_TRAINING_IMAGE}@${TRAINBOT_TRAINING_DIGEST}`,
      `${TRAINBOT_TRAINING_IMAGE}@${TRAINBOT_TRAINING_DIGEST}`,
    ]);
  });

  it("says it waits for the image build, then fails every run with the bound's sentence and starts nothing", async () => {
    const { runner, started } = recordingRunner();
    const seen: RunResult[][] = [];
    const never = 'd'.repeat(40);
    const { runs, experimentId } = await execute(never, 1_000, runner, seen);
    expect(
      seen.some((s) =>
        s.every((r) => r.state === 'queued' && r.reason === 'waiting for the image build of ddddddd (up to 1 s)'),
      ),
    ).toBe(true);
    expect(runs.map((r) => [r.state, r.reason])).toEqual(
      Array(2).fill([
        'failed',
        `The training image ${TRAINBOT_TRAINING_IMAGE}:${never} was not pushed within 1 s: check the training workflow run for commit ddddddd, then comment /train again.`,
      ]),
    );
    expect(started).toEqual([]);
    const { runs: created } = await tracking.searchRuns({ experimentIds: [experimentId] });
    expect(created).toEqual([]);
  });
});
