// What a `/train` comment leaves on the pull request when something other than the training goes wrong:
// MLflow going away after the check run exists, a runner that cannot start, one run's dispatch throwing,
// cancelled runs. In-memory ports (memory-ports.ts); the happy path runs against the real stack in
// test/integration/app/.
import { describe, expect, it } from '@jest/globals';
import { escapeMarkdown } from '../../../src/report/markdown-escape.js';
import { CommandFailed, onTrainComment, statusKey } from '../../../src/pipeline/on-train-comment.js';
import { GitHubError } from '../../../src/github/github-port.js';
import { RunnerError } from '../../../src/runners/runner.js';
import { TrackingError } from '../../../src/tracking/tracking-error.js';
import { commentEvent } from '../../support/comment-event.js';
import { MemoryGitHub, MemoryTracking, ScriptedRunner, silentLog } from './memory-ports.js';

const COMMENT_ID = 4242;
const event = (body: string) => commentEvent(COMMENT_ID, body);

function setup(script: ConstructorParameters<typeof ScriptedRunner>[1] = {}) {
  const github = new MemoryGitHub();
  const tracking = new MemoryTracking();
  const runner = new ScriptedRunner(tracking, script);
  const deps = { github, tracking, runnerFor: () => runner, log: silentLog, commentIntervalMs: 0, now: () => 10_000 };
  return { github, tracking, runner, deps };
}

const report = (github: MemoryGitHub) => github.living.get(statusKey(COMMENT_ID)) ?? '';
const conclusion = (github: MemoryGitHub) => github.checks[0]?.updates.at(-1)?.conclusion;

describe('a check run is always concluded', () => {
  it('concludes it as failure, reacts 😕 and says why when MLflow goes away right after the check run is created', async () => {
    const { github, tracking, deps } = setup();
    const unreachable =
      'Could not reach the MLflow server at http://127.0.0.1:9 (connection refused); check MLFLOW_TRACKING_URI and that the server is up.';
    tracking.beforeRequest = () => {
      if (github.checks.length > 0) throw new TrackingError(unreachable);
    };

    await expect(onTrainComment(event('/train alpha=0.1'), deps)).rejects.toBeInstanceOf(CommandFailed);

    expect(github.checks).toHaveLength(1);
    expect(github.checks[0]?.updates).toEqual([
      { conclusion: 'failure', output: { title: 'Nothing was started', summary: escapeMarkdown(unreachable) } },
    ]);
    expect(github.reactions).toEqual(['eyes', 'confused']);
    expect(report(github)).toBe(
      `trainbot: alpha=0.1 vs baseline\n\n❌ Nothing was started: ${escapeMarkdown(unreachable)}`,
    );
  });

  it('concludes it on an internal error too, keeping the error itself out of the summary', async () => {
    const { github, tracking, deps } = setup();
    tracking.beforeRequest = () => {
      if (github.checks.length > 0) throw new TypeError('Cannot read properties of undefined');
    };

    await expect(onTrainComment(event('/train alpha=0.1'), deps)).rejects.toBeInstanceOf(CommandFailed);

    expect(github.checks[0]?.updates).toEqual([
      {
        conclusion: 'failure',
        output: {
          title: 'Nothing was started',
          summary: 'trainbot hit an internal error; see the pull request comment.',
        },
      },
    ]);
    expect(report(github)).toBe(
      'trainbot: alpha=0.1 vs baseline\n\n❌ Nothing was started: trainbot hit an internal error.\n\n<details><summary>What happened</summary>\n\nTypeError: Cannot read properties of undefined\n</details>',
    );
  });

  it('keeps a posted report when concluding the check run fails, and tries once more to conclude it', async () => {
    const { github, deps } = setup();
    const update = github.updateCheck.bind(github);
    let calls = 0;
    github.updateCheck = async (id, change) => {
      calls += 1;
      if (calls === 1) throw new GitHubError('GitHub answered 502 Bad Gateway; try the command again later.', 502);
      await update(id, change);
    };

    await expect(onTrainComment(event('/train alpha=0.1'), deps)).rejects.toBeInstanceOf(CommandFailed);

    expect(report(github)).toMatch(/^### trainbot: alpha=0\.1 vs baseline\n/);
    expect(github.checks[0]?.updates).toEqual([
      {
        conclusion: 'failure',
        output: {
          title: 'The runs ended, but trainbot could not finish reporting them',
          summary: 'GitHub answered 502 Bad Gateway; try the command again later.',
        },
      },
    ]);
  });

  it('does not fail a reported command because the 😕 reaction failed', async () => {
    const { github, deps } = setup({
      outcome: () => ({ status: 'failed', reason: 'The training process exited with code 1.' }),
    });
    github.react = async (_id, content) => {
      if (content === 'confused') throw new Error('GitHub answered 502');
      github.reactions.push(content);
    };

    await onTrainComment(event('/train alpha=0.1'), deps);

    expect(github.checks[0]?.updates.map((u) => [u.conclusion, u.output?.title])).toEqual([
      ['failure', '0 of 1 run finished'],
    ]);
  });
});

describe('a runner that cannot start', () => {
  it('posts the RunnerError sentence, not a generic note, and rejects so the Actions step fails', async () => {
    const { github, deps } = setup();
    const sentence = 'No Kubernetes configuration was found; set KUBECONFIG to a kubeconfig file.';
    const failing = {
      ...deps,
      runnerFor: () => {
        throw new RunnerError(sentence);
      },
    };

    const outcome = onTrainComment(event('/train alpha=0.1'), failing);

    await expect(outcome).rejects.toThrow(`Nothing was started: ${sentence}`);
    expect(github.answers).toEqual([`Nothing was started: ${sentence}`]);
    expect(github.checks).toEqual([]);
  });

  it('resolves for answers that are not failures: a usage error is answered about its first wrong word', async () => {
    const { github, deps } = setup();
    await onTrainComment(event('/train alpha=1;rm -rf /'), deps);
    expect(github.answers).toEqual([
      '`alpha`=1;rm is not a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`. Comment `/train help` to see the parameters and their ranges.',
    ]);
  });
});

describe('one run failing inside trainbot', () => {
  it('fails that run only: the sweep report is posted with every other run finished', async () => {
    const { github, deps } = setup({
      dispatch: (spec) => {
        if (spec.args.includes('0.2')) throw new Error('MLflow answered 400: QueuePool limit reached');
      },
    });

    await onTrainComment(event('/train alpha=0.1,0.2,0.3'), deps);

    const rows = report(github)
      .split('\n')
      .filter((l) => /^\|[^|]+\| +0\.[123] \|/.test(l));
    expect(rows).toHaveLength(3);
    expect(
      rows.filter((r) =>
        r.includes('❌ failed: trainbot hit an internal error while running this; the bot log has the details.'),
      ),
    ).toHaveLength(1);
    expect(report(github)).not.toContain('internal error and stopped');
    expect(github.checks[0]?.updates.at(-1)?.output?.title).toBe('2 of 3 runs finished');
    expect(github.reactions).toEqual(['eyes', 'rocket', 'confused']);
  });
});

describe('cancelled runs', () => {
  it('conclude the check run as cancelled when every run that did not finish was cancelled', async () => {
    const { github, deps } = setup({ outcome: () => ({ status: 'cancelled', reason: 'Cancelled on request.' }) });
    await onTrainComment(event('/train alpha=0.1,0.2'), deps);
    expect(conclusion(github)).toBe('cancelled');
  });

  it('conclude it as cancelled when the others finished', async () => {
    const { github, deps } = setup({
      outcome: (spec) =>
        spec.args.includes('0.2') ? { status: 'cancelled', reason: 'Cancelled on request.' } : { status: 'succeeded' },
    });
    await onTrainComment(event('/train alpha=0.1,0.2'), deps);
    expect(conclusion(github)).toBe('cancelled');
  });

  it('leave it failure when another run failed', async () => {
    const { github, deps } = setup({
      outcome: (spec) =>
        spec.args.includes('0.2')
          ? { status: 'cancelled', reason: 'Cancelled on request.' }
          : { status: 'failed', reason: 'The training process exited with code 1.' },
    });
    await onTrainComment(event('/train alpha=0.1,0.2'), deps);
    expect(conclusion(github)).toBe('failure');
  });
});

describe('the head the comment approved', () => {
  it('starts nothing when the branch was pushed after the comment, and says so in one sentence asking for a new comment', async () => {
    const { github, tracking, runner, deps } = setup();
    github.pushes = [
      { after: github.pr.headSha, at: '2026-01-01T12:02:00Z', type: 'force_push' },
      { after: 'b'.repeat(40), at: '2026-01-01T11:00:00Z', type: 'push' },
    ];

    await onTrainComment(event('/train alpha=0.1'), deps);

    expect(github.answers).toEqual([
      'The head of `tune-alpha` moved to `aaaaaaa` after your comment, so trainbot started nothing: comment your `/train` command again to train the current head.',
    ]);
    expect([github.checks, github.reactions, runner.dispatched, tracking.runs]).toEqual([[], [], [], []]);
  });

  it("trains the head that was pushed before the comment, checked against GitHub's clock", async () => {
    const { github, runner, deps } = setup();
    await onTrainComment(event('/train alpha=0.1'), deps);
    expect(github.answers).toEqual([]);
    expect(runner.dispatched.map((s) => s.image)).toEqual([
      `${'ghcr.io/trainbot-dev/trainbot-training'}:${'a'.repeat(40)}`,
    ]);
  });
});
