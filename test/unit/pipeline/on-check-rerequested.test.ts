// "Re-run" on trainbot's check run, on in-memory ports (memory-ports.ts): it leads back to the comment, is
// authorized for whoever pressed it, trains the sha the check ran on only while it is the head, and is a new
// request. The Probot wiring and GitHub's real payload are in test/unit/github/check-rerun-app.test.ts.
import { describe, expect, it } from '@jest/globals';
import {
  type CheckRerunEvent,
  onCheckRerequested,
  requestOfCheck,
  rerunRequest,
} from '../../../src/pipeline/on-check-rerequested.js';
import { CommandFailed, checkExternalId, onTrainComment, statusKey } from '../../../src/pipeline/on-train-comment.js';
import { commentEvent } from '../../support/comment-event.js';
import { MemoryGitHub, MemoryTracking, ScriptedRunner, silentLog } from './memory-ports.js';

const COMMENT_ID = 4242;
const HEAD = 'a'.repeat(40);

function setup() {
  const github = new MemoryGitHub();
  const tracking = new MemoryTracking();
  const runner = new ScriptedRunner(tracking);
  github.comments.set(COMMENT_ID, {
    id: COMMENT_ID,
    body: '/train alpha=0.1',
    author: { login: 'octocat', type: 'User' },
    createdAt: '2026-01-01T12:00:00Z',
    updatedAt: '2026-01-01T12:00:00Z',
  });
  const deps = { github, tracking, runnerFor: () => runner, log: silentLog, commentIntervalMs: 0, now: () => 10_000 };
  return { github, tracking, runner, deps };
}

const rerun = (overrides: Partial<CheckRerunEvent> = {}): CheckRerunEvent => ({
  repo: 'acme/models',
  checkRunId: 1,
  name: 'trainbot',
  externalId: checkExternalId(1, COMMENT_ID),
  headSha: HEAD,
  sender: { login: 'hubot', type: 'User' },
  ...overrides,
});

const candidates = (tracking: MemoryTracking) => tracking.runs.filter((r) => r.tags['trainbot.role'] === 'candidate');

describe('the check run leads back to its request', () => {
  it('carries the pull request and the comment in external_id', async () => {
    const { github, deps } = setup();
    await onTrainComment(commentEvent(COMMENT_ID, '/train alpha=0.1'), deps);
    expect(github.checks[0]?.externalId).toBe('train:1:4242');
    expect(requestOfCheck('train:1:4242')).toEqual({ pr: 1, commentId: 4242 });
  });

  it.each(['', '4242', 'train:1', 'train:x:4242', ' train:1:4242'])('reads no request from %j', (id) => {
    expect(requestOfCheck(id)).toBeUndefined();
  });
});

describe('a re-run', () => {
  it("runs the comment's command again as a new request: its own runs, living comment and check run", async () => {
    const { github, tracking, runner, deps } = setup();
    await onTrainComment(commentEvent(COMMENT_ID, '/train alpha=0.1'), deps);

    await onCheckRerequested(rerun({ checkRunId: github.checks[0]!.id }), deps);

    const request = rerunRequest(COMMENT_ID, 1);
    expect(request).toBe('4242.rerun-1');
    expect(candidates(tracking).map((r) => [r.tags['trainbot.request'], r.info.status])).toEqual([
      ['4242', 'FINISHED'],
      [request, 'FINISHED'],
    ]);
    expect(new Set(runner.dispatched.map((s) => s.name)).size).toBe(2);
    expect(runner.dispatched[1]?.args).toEqual(['--alpha', '0.1', '--l1-ratio', '0.5', '--seed', '42']);
    expect([...github.living.keys()]).toEqual([statusKey(COMMENT_ID), statusKey(request)]);
    expect(github.living.get(statusKey(request))).toMatch(/^### trainbot: alpha=0\.1 vs baseline\n/);
    expect(github.checks).toHaveLength(2);
    // the new check run names the same comment, so it can be re-run in turn; it says who asked
    expect(github.checks[1]).toMatchObject({
      name: 'trainbot',
      headSha: HEAD,
      externalId: 'train:1:4242',
      output: { summary: 'Requested by @hubot for `aaaaaaa`.' },
    });
    expect(github.checks[1]?.updates.at(-1)?.conclusion).toBe('neutral');
    expect(github.answers).toEqual([]);
  });

  it('starts nothing twice when the same click is delivered again', async () => {
    const { tracking, deps } = setup();
    await onCheckRerequested(rerun(), deps);
    await onCheckRerequested(rerun(), deps);
    expect(candidates(tracking)).toHaveLength(1);
  });

  it("is authorized for whoever pressed the button, with the base branch's config", async () => {
    const { github, tracking, deps } = setup();
    github.permissionLevel = 'read';
    await onCheckRerequested(rerun({ sender: { login: 'mallory', type: 'User' } }), deps);
    expect(github.answers).toEqual([
      '@mallory has `read` permission on this repository, but trainbot commands need at least `write`; ask a maintainer to run it or to raise your permission.',
    ]);
    expect(tracking.runs).toEqual([]);
    expect(github.checks).toEqual([]);
  });

  it('asks for a new comment when the head moved since the check ran', async () => {
    const { github, tracking, deps } = setup();
    github.pr = { ...github.pr, headSha: 'c'.repeat(40) };
    await onCheckRerequested(rerun(), deps);
    expect(github.answers).toEqual([
      "This check ran on `aaaaaaa`, but the pull request's head is now `ccccccc`, so the re-run was not started; comment the `/train` command again to train the new head.",
    ]);
    expect(tracking.runs).toEqual([]);
    expect(github.checks).toEqual([]);
  });

  it('refuses a comment edited since it was made, and one that was deleted', async () => {
    const { github, tracking, deps } = setup();
    github.comments.set(COMMENT_ID, {
      ...github.comments.get(COMMENT_ID)!,
      body: '/train alpha=1',
      updatedAt: '2026-01-02T08:00:00Z',
    });
    await onCheckRerequested(rerun(), deps);
    github.comments.delete(COMMENT_ID);
    await onCheckRerequested(rerun(), deps);
    expect(github.answers).toEqual([
      'The comment this check ran for was edited after it was made, so the re-run was not started; comment the `/train` command again.',
      'The comment this check ran for was deleted, so the re-run was not started; comment the `/train` command again.',
    ]);
    expect(tracking.runs).toEqual([]);
  });

  it.each([
    ["another app's check run", rerun({ name: 'build' })],
    ["a check run without trainbot's external_id", rerun({ externalId: '' })],
    ['a re-run by a bot', rerun({ sender: { login: 'renovate[bot]', type: 'Bot' } })],
  ])('ignores %s silently', async (_, event) => {
    const { github, tracking, deps } = setup();
    await onCheckRerequested(event, deps);
    expect(github.answers).toEqual([]);
    expect(tracking.runs).toEqual([]);
  });

  it('says "Nothing was started" when GitHub cannot show the comment', async () => {
    const { github, deps } = setup();
    github.comment = async () => {
      throw new Error('socket hang up');
    };
    await expect(onCheckRerequested(rerun(), deps)).rejects.toBeInstanceOf(CommandFailed);
    expect(github.answers).toEqual([
      'Nothing was started: trainbot hit an internal error before starting anything; the bot log has the details.',
    ]);
  });
});
