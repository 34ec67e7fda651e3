// Both experiments exist before the first Job starts, on every path that starts Jobs: a Job's user could
// otherwise create the baselines' experiment itself and own it (src/tracking/role-experiments.ts).
import { describe, expect, it } from '@jest/globals';
import { onTrainComment } from '../../../src/pipeline/on-train-comment.js';
import { planRequest } from '../../../src/pipeline/plan-request.js';
import { NO_BASELINE_HINT_OFF_PR, runRequest } from '../../../src/pipeline/run-request.js';
import { repoConfig } from '../config/repo-config.js';
import { commentEvent } from '../../support/comment-event.js';
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
  const runner = new ScriptedRunner(tracking, {
    dispatch: () => {
      seenAtDispatch.push([...tracking.ensured]);
    },
  });
  return { tracking, runner, seenAtDispatch };
}

const config = repoConfig();
const both = [config.experiment, `${config.experiment}/baselines`];

describe("the baselines' experiment exists before any Job", () => {
  it('for a /train comment', async () => {
    const { tracking, runner, seenAtDispatch } = setup();
    await onTrainComment(commentEvent(7, '/train alpha=0.1'), {
      github: new MemoryGitHub(),
      tracking,
      runnerFor: () => runner,
      log: silentLog,
      commentIntervalMs: 0,
    });
    expect(seenAtDispatch).toEqual([both]);
  });

  it('for a request from the CLI or the sweep action', async () => {
    const { tracking, runner, seenAtDispatch } = setup();
    const planned = planRequest('/train alpha=0.1', config);
    if ('reply' in planned) throw new Error(planned.reply);
    await runRequest({
      plans: planned.runs,
      config,
      tracking,
      runner,
      missingBaseline: 'compare-without',
      noBaselineHint: NO_BASELINE_HINT_OFF_PR,
      origin: { repo: 'acme/models', sha: 'a'.repeat(40), branch: 'x', request: 'cli-1' },
    });
    expect(seenAtDispatch).toEqual([both]);
  });
});
