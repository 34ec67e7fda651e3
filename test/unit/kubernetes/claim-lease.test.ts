import { describe, expect, it } from '@jest/globals';
import {
  CLAIM_KEY_ANNOTATION,
  claimLease,
  claimLeaseName,
  leaseExpired,
  leaseNotes,
  renewLease,
  takeOverLease,
} from '../../../src/runners/kubernetes/claim-lease.js';

const T0 = Date.parse('2026-11-29T12:00:00Z');
const timing = { holder: 'bot-a', now: T0, durationSeconds: 60 };

describe('claimLease', () => {
  it('names the Lease after the request key, the same in every process, as a valid object name', () => {
    const name = claimLeaseName('acme/models#4242');
    expect(name).toBe(claimLeaseName('acme/models#4242'));
    expect(name).not.toBe(claimLeaseName('acme/models#4243'));
    expect(name).toMatch(/^trainbot-claim-[0-9a-f]{20}$/);
  });

  it('keeps a long or hostile key out of the name and bounded in the annotation', () => {
    const key = `acme/models#${'<x>\n'.repeat(1000)}`;
    const lease = claimLease(key, timing);
    expect(lease.metadata?.name).toMatch(/^trainbot-claim-[0-9a-f]{20}$/);
    expect(lease.metadata?.annotations?.[CLAIM_KEY_ANNOTATION]).toHaveLength(1024);
    expect(lease.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'trainbot',
      'app.kubernetes.io/component': 'claim',
    });
  });

  it('names its holder and when it was renewed, and carries the notes a reconciler reads back', () => {
    const lease = claimLease('acme/models#7', timing, { repo: 'acme/models', pr: '12', 'check run': '99' });
    expect(lease.spec).toMatchObject({ holderIdentity: 'bot-a', leaseDurationSeconds: 60, renewTime: new Date(T0) });
    expect(leaseNotes(lease)).toEqual({
      repo: 'acme/models',
      pr: '12',
      'check-run': '99',
      'request-key': 'acme/models#7',
    });
  });
});

describe('leaseExpired', () => {
  const lease = claimLease('acme/models#7', timing);
  it('is live until its duration has passed since the last renewal, expired from then on', () => {
    expect(leaseExpired(lease, T0 + 59_999)).toBe(false);
    expect(leaseExpired(lease, T0 + 60_000)).toBe(true);
    expect(leaseExpired(renewLease(lease, T0 + 30_000), T0 + 60_000)).toBe(false);
  });
  it('counts a Lease without renewal times (the first claims had none) as expired, so it cannot block forever', () => {
    expect(leaseExpired({ metadata: { name: 'x' }, spec: { holderIdentity: 'trainbot-1' } }, T0)).toBe(true);
  });
});

describe('takeOverLease', () => {
  it('hands the Lease to the new holder, counts the transition and keeps the resourceVersion it read', () => {
    const read = {
      ...claimLease('acme/models#7', timing),
      metadata: { ...claimLease('acme/models#7', timing).metadata, resourceVersion: '41' },
    };
    const taken = takeOverLease(read, { holder: 'bot-b', now: T0 + 61_000, durationSeconds: 60 });
    expect(taken.metadata?.resourceVersion).toBe('41');
    expect(taken.spec).toMatchObject({
      holderIdentity: 'bot-b',
      leaseTransitions: 1,
      renewTime: new Date(T0 + 61_000),
    });
    expect(leaseNotes(taken)).toEqual(leaseNotes(read));
  });
});
