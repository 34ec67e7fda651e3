// Both experiments exist before the first Job starts, on every path that starts Jobs: a Job's user could
// otherwise create the baselines' experiment itself and own it (src/tracking/role-experiments.ts).
import { describe, expect, it } from '@jest/globals';
import { onTrainComment } from '../../../src/pipeline/on-train-comment.js';
import { runRequest } from '../../../src/pipeline/run-request.js';
import { repoConfig } from '../config/repo-config.js';
import { MemoryGitHub, MemoryTracking, ScriptedRunner, silentLog } from './memory-ports.js';

class NamingTracking extends MemoryTracking {
  readonly ensured: string[] = [];
  override async ensureExperiment(name?: string): Promise<string> {
    this.ensured.push(name ?? '');
    return super.ensureExperiment();
  }
}

function setup() {
  const tracking = new NamingTracking();
  const seenAtDispatch: string[][] = [];
  const runner = new ScriptedRunner(tracking, { dispatch: () => { seenAtDispatch.push([...tracking.ensured]); } });
  return { tracking, runner, seenAtDispatch };
}

const config = repoConfig();
const both = [config.experiment, `${config.experiment}/baselines`];

describe('the baselines\' experiment exists before any Job', () => {
  it('for a /train comment', async () => {
    const { tracking, runner, seenAtDispatch } = setup();
    await onTrainComment({
      repo: 'acme/models', issueNumber: 1, isPullRequest: true, action: 'created', commentId: 7, body: '/train alpha=0.1', author: { login: 'octocat', type: 'User' },
    }, { github: new MemoryGitHub(), tracking, runnerFor: () => runner, log: silentLog, commentIntervalMs: 0 });
    expect(seenAtDispatch).toEqual([both]);
  });

  it('for a request from the CLI or the sweep action', async () => {
    const { tracking, runner, seenAtDispatch } = setup();
    await runRequest({ commandText: '/train alpha=0.1', config, tracking, runner, trainMissingBaseline: false, origin: { repo: 'acme/models', sha: 'a'.repeat(40), branch: 'x', request: 'cli-1' } });
    expect(seenAtDispatch).toEqual([both]);
  });
});
