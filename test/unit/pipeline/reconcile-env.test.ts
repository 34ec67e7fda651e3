import { describe, expect, it } from '@jest/globals';
import { reconcileFromEnv } from '../../../src/index.js';

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
