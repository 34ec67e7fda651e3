// The bot's comment flow end to end on in-memory ports (memory-ports.ts): what a `/train` comment leaves on
// the pull request — answers, reactions, the living comment, the check run — and what it starts. Fast and
// tool-free; the same flow runs against real MLflow and Kubernetes in test/integration/app/.
import { describe, expect, it } from '@jest/globals';
import { type CommentEvent, onTrainComment, statusKey } from '../../../src/pipeline/on-train-comment.js';
import { originTags } from '../../../src/runs/run-contract.js';
import { commentEvent } from '../../support/comment-event.js';
import { MemoryGitHub, MemoryTracking, ScriptedRunner, silentLog } from './memory-ports.js';

const COMMENT_ID = 777;
const event = (body: string, overrides: Partial<CommentEvent> = {}) => commentEvent(COMMENT_ID, body, overrides);

function setup(
  metrics: NonNullable<ConstructorParameters<typeof ScriptedRunner>[1]>['metrics'] = { rmse: 0.7, mae: 0.55, r2: 0.2 },
) {
  const github = new MemoryGitHub();
  const tracking = new MemoryTracking();
  const runner = new ScriptedRunner(tracking, { metrics });
  const deps = {
    github,
    tracking,
    runnerFor: () => runner,
    log: silentLog,
    commentIntervalMs: 0,
    now: () => 3_600_000,
  };
  return { github, tracking, runner, deps };
}

/** A finished baseline of main, as the merge flow leaves one. */
async function seedBaseline(tracking: MemoryTracking, metrics: Record<string, number>): Promise<void> {
  const tags = originTags({
    repo: 'acme/models',
    sha: 'b'.repeat(40),
    branch: 'main',
    request: 'merge-0',
    role: 'baseline',
    params: 'alpha=0.5 l1_ratio=0.5 seed=42',
  });
  const run = await tracking.createRun({ experimentId: '1', runName: 'trainbot-baseline-000000000000', tags });
  tracking.finish(run.info.runId, metrics);
}

const report = (github: MemoryGitHub) => github.living.get(statusKey(COMMENT_ID)) ?? '';

describe('a /train comment that runs', () => {
  it('acknowledges, runs the params it was given, and posts the comparison with the baseline', async () => {
    const { github, tracking, runner, deps } = setup({ rmse: 0.7, mae: 0.55, r2: 0.2 });
    await seedBaseline(tracking, { rmse: 0.75, mae: 0.55, r2: 0.3 });

    await onTrainComment(event('/train alpha=0.1'), deps);

    expect(runner.dispatched.map((s) => s.args)).toEqual([['--alpha', '0.1', '--l1-ratio', '0.5', '--seed', '42']]);
    expect(github.reactions).toEqual(['eyes', 'rocket']);
    expect(
      report(github)
        .split('\n')
        .filter((l) => l.startsWith('| ') && !l.startsWith('| Metric') && !l.startsWith('| :')),
    ).toEqual([
      expect.stringMatching(/^\| \*\*rmse\*\* \(primary\) +\| +0\.7500 \| +0\.7000 \| +−0\.0500 \| ✅ better +\|$/),
      expect.stringMatching(/^\| mae +\| +0\.5500 \| +0\.5500 \| +±0\.0000 \| ➖ unchanged \|$/),
      expect.stringMatching(/^\| r2 +\| +0\.3000 \| +0\.2000 \| +−0\.1000 \| ❌ worse +\|$/),
    ]);
    expect(report(github)).toContain(
      'Commit `aaaaaaa` compared with the baseline `bbbbbbb` on `main`, trained 1 hour ago.',
    );
    expect(github.checks).toHaveLength(1);
    expect(github.checks[0]).toMatchObject({ name: 'trainbot', headSha: 'a'.repeat(40), status: 'in_progress' });
    expect(github.checks[0]?.updates).toEqual([
      { conclusion: 'success', output: { title: '1 of 1 run finished', summary: report(github) } },
    ]);
    expect(tracking.runs.filter((r) => r.tags['trainbot.role'] === 'candidate').map((r) => r.info.status)).toEqual([
      'FINISHED',
    ]);
  });

  it('links the check run to the best run in MLflow', async () => {
    // alpha=0.2 is the better run: the second one started.
    const { github, tracking, deps } = setup((spec) => ({
      rmse: spec.args.includes('0.2') ? 0.6 : 0.7,
      mae: 0.5,
      r2: 0.2,
    }));
    const runUrl = (experimentId: string, runId: string) =>
      `https://mlflow.test/#/experiments/${experimentId}/runs/${runId}`;
    await onTrainComment(event('/train alpha=0.1,0.2'), { ...deps, runUrl });
    const best = tracking.runs.find((r) => r.tags['trainbot.params']?.includes('alpha=0.2'));
    expect(best).toBeDefined();
    expect(github.checks[0]?.updates.at(-1)?.detailsUrl).toBe(
      `https://mlflow.test/#/experiments/1/runs/${best?.info.runId}`,
    );
  });

  it('shows the runs queued and running in the living comment before the final table', async () => {
    const { github, deps } = setup();
    await onTrainComment(event('/train alpha=0.1,0.2'), deps);
    expect(github.posts.some((p) => p.includes('⏳ queued'))).toBe(true);
    expect(github.posts.some((p) => p.includes('🏃 running'))).toBe(true);
    expect(github.posts.at(-1)).toContain('2 of 2 runs finished, ranked by rmse (minimize).');
  });

  it('compares with no baseline when main has none, and concludes as the config says for that', async () => {
    const { github, deps } = setup();
    await onTrainComment(event('/train alpha=0.1'), deps);
    expect(report(github)).toContain(
      '**No baseline yet** for `main` with the default params. Merge a pull request to start one',
    );
    expect(github.checks[0]?.updates.at(-1)?.conclusion).toBe('neutral');
  });
});

describe('a redelivered comment', () => {
  it('starts its runs once when the same delivery arrives twice at the same time', async () => {
    const { github, tracking, runner, deps } = setup();
    await Promise.all([
      onTrainComment(event('/train alpha=0.1'), deps),
      onTrainComment(event('/train alpha=0.1'), deps),
    ]);
    expect(runner.dispatched).toHaveLength(1);
    expect(tracking.runs).toHaveLength(1);
    expect(github.checks).toHaveLength(1);
  });

  it('starts nothing when it arrives again after the first was handled', async () => {
    const { github, tracking, runner, deps } = setup();
    await onTrainComment(event('/train alpha=0.1'), deps);
    await onTrainComment(event('/train alpha=0.1'), deps);
    expect(runner.dispatched).toHaveLength(1);
    expect(tracking.runs).toHaveLength(1);
    expect(github.checks).toHaveLength(1);
    expect(github.reactions).toEqual(['eyes', 'rocket']);
  });
});

describe('comments that start nothing', () => {
  it.each([
    ['an edited comment', event('/train alpha=0.1', { action: 'edited' })],
    ['a comment by a bot', event('/train alpha=0.1', { author: { login: 'renovate[bot]', type: 'Bot' } })],
    ['a comment on an issue', event('/train alpha=0.1', { isPullRequest: false })],
    ['a quoted command', event('> /train alpha=0.1')],
  ])('ignores %s without a word', async (_case, comment) => {
    const { github, tracking, deps } = setup();
    await onTrainComment(comment, deps);
    expect([github.answers, github.reactions, github.checks, tracking.runs]).toEqual([[], [], [], []]);
  });

  it('answers a commenter without write permission, and starts nothing', async () => {
    const { github, tracking, deps } = setup();
    github.permissionLevel = 'read';
    await onTrainComment(event('/train alpha=0.1'), deps);
    expect(github.answers).toEqual([
      '@octocat has `read` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    ]);
    expect([github.reactions, github.checks, tracking.runs]).toEqual([[], [], []]);
  });

  it('answers on a fork pull request, and starts nothing', async () => {
    const { github, tracking, deps } = setup();
    github.pr = { ...github.pr, isFork: true, headRepoFullName: 'mallory/models' };
    await onTrainComment(event('/train alpha=0.1'), deps);
    expect(github.answers).toEqual([
      expect.stringMatching(
        /^This pull request comes from the fork mallory\/models, and trainbot does not run fork code/,
      ),
    ]);
    expect(tracking.runs).toEqual([]);
  });

  it('answers on a closed pull request', async () => {
    const { github, tracking, deps } = setup();
    github.pr = { ...github.pr, state: 'closed' };
    await onTrainComment(event('/train alpha=0.1'), deps);
    expect(github.answers).toEqual(['This pull request is closed; reopen it to train.']);
    expect(tracking.runs).toEqual([]);
  });

  it('answers when the base branch has no config', async () => {
    const { github, tracking, deps } = setup();
    github.configText = undefined;
    await onTrainComment(event('/train alpha=0.1'), deps);
    expect(github.answers).toEqual([
      'trainbot is not set up for `main`: add `.github/trainbot.yml` there (see trainbot\'s README, "Configuration").',
    ]);
    expect(tracking.runs).toEqual([]);
  });

  it('answers /train help with the parameters of this repository', async () => {
    const { github, deps } = setup();
    await onTrainComment(event('/train help'), deps);
    expect(github.answers).toHaveLength(1);
    expect(github.answers[0]).toContain('`alpha`');
    expect(github.checks).toEqual([]);
  });

  it('answers a grid over the run cap with the cap, and starts nothing', async () => {
    const { github, tracking, deps } = setup();
    await onTrainComment(event(`/train alpha=${Array.from({ length: 21 }, (_, i) => i / 10).join(',')}`), deps);
    expect(github.answers).toEqual([expect.stringContaining('21 runs')]);
    expect(tracking.runs).toEqual([]);
  });
});

describe('/train cancel', () => {
  it('cancels the runs of this pull request the runner still has, and says which', async () => {
    const { github, runner, deps } = setup();
    runner.running = [{ name: 'trainbot-pr1-aaaaaaaaaaaa' }, { name: 'trainbot-pr1-bbbbbbbbbbbb' }];
    await onTrainComment(event('/train cancel'), deps);
    expect(runner.cancelled).toEqual(['trainbot-pr1-aaaaaaaaaaaa', 'trainbot-pr1-bbbbbbbbbbbb']);
    expect(github.answers).toEqual(['Cancelled 2 runs: `trainbot-pr1-aaaaaaaaaaaa`, `trainbot-pr1-bbbbbbbbbbbb`.']);
  });

  it('says so when nothing is running', async () => {
    const { github, deps } = setup();
    await onTrainComment(event('/train cancel'), deps);
    expect(github.answers).toEqual(['No trainbot runs of this pull request are running; nothing to cancel.']);
  });
});
