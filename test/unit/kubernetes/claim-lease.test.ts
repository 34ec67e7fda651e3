import { describe, expect, it } from '@jest/globals';
import { CLAIM_KEY_ANNOTATION, claimLease, claimLeaseName } from '../../../src/runners/kubernetes/claim-lease.js';

describe('claimLease', () => {
  it('names the Lease after the request key, the same in every process, as a valid object name', () => {
    const name = claimLeaseName('acme/models#4242');
    expect(name).toBe(claimLeaseName('acme/models#4242'));
    expect(name).not.toBe(claimLeaseName('acme/models#4243'));
    expect(name).toMatch(/^trainbot-claim-[0-9a-f]{20}$/);
  });

  it('keeps a long or hostile key out of the name and bounded in the annotation', () => {
    const key = `acme/models#${'<x>\n'.repeat(1000)}`;
    const lease = claimLease(key);
    expect(lease.metadata?.name).toMatch(/^trainbot-claim-[0-9a-f]{20}$/);
    expect(lease.metadata?.annotations?.[CLAIM_KEY_ANNOTATION]).toHaveLength(1024);
    expect(lease.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'trainbot', 'app.kubernetes.io/component': 'claim' });
  });
});
