import { describe, expect, it } from '@jest/globals';
import { reconcileFromEnv } from '../../../src/index.js';
import { recoveryMarkdown } from '../../../src/report/render-recovery.js';

describe('reconcileFromEnv', () => {
  it('reconciles the config’s default namespace every 60 s unless told otherwise', () => {
    expect(reconcileFromEnv({})).toEqual({ namespace: 'trainbot-training', intervalMs: 60_000 });
    expect(reconcileFromEnv({ TRAINBOT_NAMESPACE: 'ml', TRAINBOT_RECONCILE_INTERVAL_SECONDS: '15' })).toEqual({
      namespace: 'ml',
      intervalMs: 15_000,
    });
  });
  it('turns the reconciler off with 0 and ignores a value that is not a number', () => {
    expect(reconcileFromEnv({ TRAINBOT_RECONCILE_INTERVAL_SECONDS: '0' }).intervalMs).toBe(0);
    expect(reconcileFromEnv({ TRAINBOT_RECONCILE_INTERVAL_SECONDS: 'soon' }).intervalMs).toBe(60_000);
  });
  it('is off in a workflow step, which handles one event and exits', () => {
    expect(reconcileFromEnv({ GITHUB_ACTIONS: 'true', TRAINBOT_RECONCILE_INTERVAL_SECONDS: '15' }).intervalMs).toBe(0);
  });
});

describe('recoveryMarkdown', () => {
  const claim = (pr: string, request: string) => ({
    key: `acme/models#${request}`,
    notes: { pr, request },
    live: false,
  });
  it('says what one recovery run did, one line per request or Job, with what came from the cluster escaped', () => {
    expect(
      recoveryMarkdown('ml', [
        { kind: 'finish', claim: claim('1', '4242') },
        { kind: 'later', claim: claim('2<b>', '77`<b>') },
        { kind: 'delete-job', name: 'trainbot-pr3-abc' },
      ]),
    ).toBe(
      [
        '### trainbot recovery',
        '',
        'In namespace `ml`: 1 request(s) finished, 1 left while their Jobs run, 1 unclaimed Job(s) deleted.',
        '',
        '- Pull request #1, request `4242`: finished.',
        '- Pull request #2\\<b\\>, request ``77`<b>``: its Jobs still run; a later run finishes it.',
        '- Deleted Job `trainbot-pr3-abc`, which no request claims.',
      ].join('\n'),
    );
    expect(recoveryMarkdown('ml', [])).toBe('### trainbot recovery\n\nNothing to recover in namespace `ml`.');
  });
});
