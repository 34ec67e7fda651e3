// Each run's own MLflow user in executeRuns: made for its experiment before the container starts, handed to
// the runner as credentialEnv in place of the shared token, hidden in its log tail, and deleted when the run
// ends on every path, before its metrics are read.
import { describe, expect, it } from '@jest/globals';
import { executeRuns } from '../../../src/pipeline/execute-runs.js';
import { planRuns } from '../../../src/runs/plan.js';
import { RunnerError, type JobSpec, type RunOutcome } from '../../../src/runners/runner.js';
import type { RunCredential, RunCredentials } from '../../../src/tracking/run-credentials.js';
import { repoConfig } from '../config/repo-config.js';
import { MemoryTracking, ScriptedRunner } from './memory-ports.js';

class FakeCredentials implements RunCredentials {
  readonly events: string[] = [];
  live = new Set<string>();

  async issue(runId: string, experimentId: string): Promise<RunCredential> {
    const username = `trainbot-user-${runId}`;
    this.events.push(`issue ${username} on ${experimentId}`);
    this.live.add(username);
    const password = `pw-of-${runId}-0123456789`;
    return { username, password, env: { MLFLOW_TRACKING_USERNAME: username, MLFLOW_TRACKING_PASSWORD: password } };
  }

  async revoke(credential: RunCredential): Promise<void> {
    this.events.push(`revoke ${credential.username}`);
    this.live.delete(credential.username);
  }
}

const config = { ...repoConfig(), trackingSecret: { secret: 'mlflow-token', tokenKey: 'token' } };
const origin = {
  repo: 'acme/models',
  pr: 1,
  sha: 'a'.repeat(40),
  branch: 'tune',
  request: '7',
  role: 'candidate' as const,
};

function setup(script: ConstructorParameters<typeof ScriptedRunner>[1] = {}) {
  const credentials = new FakeCredentials();
  const tracking = Object.assign(new MemoryTracking(), { runCredentials: credentials });
  const runner = new ScriptedRunner(tracking, script);
  const plans = planRuns({ alpha: ['0.1'] }, config);
  if (!plans.ok) throw new Error(plans.message);
  const run = () =>
    executeRuns({ plans: plans.runs, config, experimentId: '42', tracking, runner, origin, onError: () => undefined });
  return { credentials, tracking, runner, run };
}

describe("a run's own MLflow user", () => {
  it("is made for the run's experiment and replaces the shared token in what the runner gets", async () => {
    const { credentials, runner, run } = setup();
    const [result] = await run();
    expect(result?.state).toBe('finished');
    const spec = runner.dispatched[0] as JobSpec;
    expect(spec.credentialEnv).toEqual({
      MLFLOW_TRACKING_USERNAME: 'trainbot-user-run-1',
      MLFLOW_TRACKING_PASSWORD: 'pw-of-run-1-0123456789',
    });
    expect(spec.secretEnv).toEqual([]);
    expect(credentials.events).toEqual(['issue trainbot-user-run-1 on 42', 'revoke trainbot-user-run-1']);
  });

  it("is deleted before the run's metrics are read, so nothing can change them after it ended", async () => {
    const { credentials, tracking, run } = setup();
    const seen: boolean[] = [];
    tracking.beforeRequest = (call) => {
      if (call === 'getRun') seen.push(credentials.live.size === 0);
    };
    await run();
    expect(seen).toEqual([true]);
  });

  const endings: [string, RunOutcome][] = [
    ['failed', { status: 'failed', reason: 'The training process exited with code 1.' }],
    ['cancelled', { status: 'cancelled', reason: 'Cancelled on request.' }],
    ['timeout', { status: 'timeout', reason: 'Stopped after the 30 minute limit.' }],
  ];
  it.each(endings)('is deleted when the run ends %s', async (state, outcome) => {
    const { credentials, run } = setup({ outcome: () => outcome });
    const [result] = await run();
    expect(result?.state).toBe(state);
    expect(credentials.live.size).toBe(0);
    expect(credentials.events.at(-1)).toBe('revoke trainbot-user-run-1');
  });

  it('is deleted when the runner cannot start the run, and when trainbot itself fails', async () => {
    for (const error of [new RunnerError('The namespace "x" does not exist.'), new Error('a bug')]) {
      const { credentials, run } = setup({
        dispatch: () => {
          throw error;
        },
      });
      const [result] = await run();
      expect(result?.state).toBe('failed');
      expect(credentials.live.size).toBe(0);
    }
  });

  it('is hidden in the log tail of a failed run', async () => {
    const { run, runner } = setup({ outcome: () => ({ status: 'failed', reason: 'exit 1' }) });
    runner.logs = async () => 'connecting as trainbot-user-run-1 with pw-of-run-1-0123456789\nTraceback';
    const [result] = await run();
    expect(result?.logTail).not.toContain('pw-of-run-1-0123456789');
  });

  it('is not made when the port has no runCredentials: the Job keeps the configured token Secret', async () => {
    const tracking = new MemoryTracking();
    const runner = new ScriptedRunner(tracking);
    const plans = planRuns({}, config);
    if (!plans.ok) throw new Error(plans.message);
    await executeRuns({ plans: plans.runs, config, experimentId: '42', tracking, runner, origin });
    expect(runner.dispatched[0]?.credentialEnv).toBeUndefined();
    expect(runner.dispatched[0]?.secretEnv).toEqual([
      { env: 'MLFLOW_TRACKING_TOKEN', secret: 'mlflow-token', key: 'token' },
    ]);
  });
});
