// The final comment of a sweep whose runs all failed with long logs, through the GitHub adapter's own
// markedBody: it must fit GitHub's limit without being cut, logs left out whole and counted. What it looks
// like rendered is test/render/comments.test.ts ("failures-at-the-limit").
import { describe, expect, it } from '@jest/globals';
import { markedBody } from '../../../src/github/comment-marker.js';
import { COMMENT_BODY_LIMIT } from '../../../src/github/github-limits.js';
import { onTrainComment, statusKey } from '../../../src/pipeline/on-train-comment.js';
import { commentEvent } from '../../support/comment-event.js';
import { MemoryGitHub, MemoryTracking, ScriptedRunner, silentLog } from './memory-ports.js';

describe('a sweep of failed runs with long logs', () => {
  it('posts as many whole logs as fit under the report and says how many more there were', async () => {
    const github = new MemoryGitHub();
    const tracking = new MemoryTracking();
    const runner = new ScriptedRunner(tracking, {
      outcome: () => ({ status: 'failed', reason: 'The training process exited with code 1.' }),
    });
    runner.logs = async () => Array.from({ length: 200 }, (_, i) => `step ${i}: ${'z'.repeat(400)}`).join('\n');
    const commentId = 77;
    await onTrainComment(commentEvent(commentId, '/train alpha=0.1,0.2,0.3,0.4,0.5 l1_ratio=0.1,0.2,0.3,0.4'), {
      github,
      tracking,
      runnerFor: () => runner,
      log: silentLog,
      commentIntervalMs: 0,
      now: () => 10_000,
    }).catch(() => undefined);

    const body = github.living.get(statusKey(commentId)) ?? '';
    const posted = markedBody(statusKey(commentId), body);
    expect(posted).toBe(`<!-- trainbot:${statusKey(commentId)} -->\n${body}`); // nothing for the adapter to cut
    const shown = body.split('<details><summary>Last lines of').length - 1;
    expect(shown).toBeGreaterThan(0);
    // Each log's block and the report's reproducibility footer, each closed.
    expect(body.split('</details>').length - 1).toBe(shown + 1);
    expect(body).toContain('<details><summary>Reproduce these 20 runs</summary>');
    expect(body).toMatch(
      new RegExp(
        `</details>\\n\\n_The logs of ${20 - shown} more failed runs are not shown, to stay within GitHub's comment size\\._$`,
      ),
    );
    // One more log (about 9,300 characters) would not have fitted.
    expect(posted.length + 9000).toBeGreaterThan(COMMENT_BODY_LIMIT);
  });
});
