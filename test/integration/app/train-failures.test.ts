// When training goes wrong: a failing container (short reason, redacted log tail, 😕, MLflow run FAILED,
// failed check) and `/train cancel` stopping a running sweep (every row says cancelled). Real MLflow, real
// processes through LocalRunner; GitHub mocked and checked against its REST description.
import { describe, expect, it } from '@jest/globals';
import { resolve } from 'node:path';
import { createApp } from '../../../src/index.js';
import { LocalRunner } from '../../../src/runners/local/local-runner.js';
import { findRequestRuns } from '../../../src/tracking/run-queries.js';
import { useGitHubApi } from '../../support/github-api.js';
import { issueCommentEvent } from '../../support/github-events.js';
import { testProbot } from '../../support/github-probot.js';
import { eventually } from '../../support/kube-runner-fixture.js';
import {
  COMMENT_ID,
  FULL_NAME,
  expectAnswer,
  mockPrelude,
  mockTrainFlow,
  testConfigText,
} from '../../support/train-comment-mocks.js';
import { botTracking } from '../../support/mlflow-tracking.js';

const trackingUri = process.env.MLFLOW_TRACKING_URI;
if (!trackingUri)
  throw new Error(
    'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
  );
const tracking = botTracking();

useGitHubApi();

/** The repository's config with `command` replaced: the flags trainbot appends land in sys.argv, unused. */
function configWithCommand(experiment: string, script: string): string {
  return testConfigText(experiment, trackingUri as string).replace(
    /^command: .*$/m,
    `command: [python, -c, ${JSON.stringify(script)}]`,
  );
}

function app(runner: LocalRunner, secrets?: readonly string[]) {
  return testProbot(createApp({ tracking, runnerFor: () => runner, commentIntervalMs: 0, secrets }));
}

describe('a training run that fails', () => {
  it('says why, shows the redacted end of its log, reacts 😕, fails the check and marks the MLflow run FAILED', async () => {
    const experiment = `app-fail-${Date.now()}`;
    const secret = ['s3cr3t', 'Value', '42'].join('');
    // A value the app holds, printed bare and in base64: only the app's `secrets` can tell it is one.
    const held = ['held', 'by', 'the', 'bot', '9'].join('-');
    const script = `import sys, base64; print("loading data"); print("MLFLOW_TRACKING_TOKEN=${secret}"); print("as ${held}"); print(base64.b64encode(b"x:${held}").decode()); sys.exit(3)`;
    const configText = configWithCommand(experiment, script);
    mockPrelude(configText);
    const { comments, check } = mockTrainFlow({ updates: 3, confused: true });

    await (
      await app(new LocalRunner({ workdir: resolve(import.meta.dirname, '../../../training') }), [held])
    ).receive(issueCommentEvent({ body: '/train alpha=0.1' }));

    const final = comments.at(-1) ?? '';
    expect(final).toContain('❌ failed: The training process exited with code 3.');
    expect(final).toMatch(
      /<details><summary>Last lines of trainbot-pr1-[0-9a-f]{12}<\/summary>\n\n```text\nloading data\nMLFLOW_TRACKING_TOKEN=\[REDACTED\]\nas \[REDACTED\]\n\[REDACTED\]\n```\n<\/details>$/,
    );
    expect(final).not.toContain(secret);
    expect(final).not.toContain(held);
    expect(check()?.conclusion).toBe('failure');
    expect(check()?.output?.title).toBe('0 of 1 run finished');
    const experimentId = await tracking.ensureExperiment(experiment);
    const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(COMMENT_ID) });
    expect(runs.map((r) => r.info.status)).toEqual(['FAILED']);
  }, 60_000);
});

describe('/train cancel', () => {
  it("stops every running run of the pull request's sweep, says which, and the sweep's table shows them cancelled", async () => {
    const experiment = `app-cancel-${Date.now()}`;
    const configText = configWithCommand(experiment, 'import time; time.sleep(120)');
    const runner = new LocalRunner({ workdir: resolve(import.meta.dirname, '../../../training') });
    const probot = await app(runner);

    // The sweep: queued, two runs start, both end cancelled → 1 comment created + 5 updates.
    mockPrelude(configText);
    const { comments, check } = mockTrainFlow({ updates: 5, confused: true });
    const sweep = probot.receive(issueCommentEvent({ body: '/train alpha=0.1,0.2' }));
    const running = await eventually(
      async () => {
        const active = await runner.active({});
        return active.length === 2 ? active : undefined;
      },
      30_000,
      'both sweep runs running',
    );

    // The cancel command, a later comment on the same pull request.
    mockPrelude(configText);
    const answer = expectAnswer();
    const cancel = issueCommentEvent({ body: '/train cancel' });
    cancel.payload.comment.id = COMMENT_ID + 1;
    await probot.receive(cancel);
    await sweep;

    const names = running.map((h) => `\`${h.name}\``).sort();
    const said = await answer;
    expect(said.startsWith('Cancelled 2 runs: ')).toBe(true);
    expect(said.slice('Cancelled 2 runs: '.length, -1).split(', ').sort()).toEqual(names);
    const rows = (comments.at(-1) ?? '').split('\n').filter((l) => l.includes('trainbot-pr1-'));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toContain('🚫 cancelled: Cancelled on request.');
    expect(check()?.conclusion).toBe('cancelled');
    const experimentId = await tracking.ensureExperiment(experiment);
    const { runs } = await findRequestRuns(tracking, { experimentId, repo: FULL_NAME, request: String(COMMENT_ID) });
    expect(runs.map((r) => r.info.status)).toEqual(['KILLED', 'KILLED']);
  }, 90_000);
});
