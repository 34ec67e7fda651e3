// The Lease that claims one request for one bot process (KubernetesRunner.claim). Pure. Its name is derived
// from the request key, so every process computes the same name and the API server lets only one create it.
// The holder renews it while it works; a Lease not renewed for its duration is expired, and another process
// may take it over with an update that names the resourceVersion it read, so of two takers exactly one wins
// (docs/design.md, "Claims"). Annotations carry what a reconciler needs to finish the request without the
// process that started it: repository, PR, comment, check run, experiment (see ClaimNotes).
import { createHash } from 'node:crypto';
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { TRAINBOT_LABELS } from './job-manifest.js';

export const CLAIM_KEY_ANNOTATION = 'trainbot.dev/request-key';
/** Annotations are `trainbot.dev/<note>`; the notes themselves are strings the caller chose. */
export const CLAIM_NOTE_PREFIX = 'trainbot.dev/';
export const CLAIM_COMPONENT = 'claim';

export interface LeaseTiming {
  holder: string;
  now: number; // ms since the epoch
  durationSeconds: number;
}

export function claimLeaseName(key: string): string {
  return `trainbot-claim-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 20)}`;
}

/** The annotations for a claim's notes: keys are kept to [a-z0-9-.] so each is a valid annotation name. */
export function noteAnnotations(notes: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(notes)) {
    const clean = name
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '-')
      .slice(0, 60);
    if (clean) out[`${CLAIM_NOTE_PREFIX}${clean}`] = value.slice(0, 1024);
  }
  return out;
}

/** A claim's notes as the Lease carries them (the request key included, under `request-key`). */
export function leaseNotes(lease: V1Lease): Record<string, string> {
  const notes: Record<string, string> = {};
  for (const [name, value] of Object.entries(lease.metadata?.annotations ?? {})) {
    if (name.startsWith(CLAIM_NOTE_PREFIX)) notes[name.slice(CLAIM_NOTE_PREFIX.length)] = value;
  }
  return notes;
}

export function claimLease(key: string, timing: LeaseTiming, notes: Readonly<Record<string, string>> = {}): V1Lease {
  const at = new V1MicroTime(timing.now);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: claimLeaseName(key),
      labels: { ...TRAINBOT_LABELS, 'app.kubernetes.io/component': CLAIM_COMPONENT },
      // Keys are `owner/repo#request`; an annotation value may be long, but keep it bounded all the same.
      annotations: { ...noteAnnotations(notes), [CLAIM_KEY_ANNOTATION]: key.slice(0, 1024) },
    },
    spec: {
      holderIdentity: timing.holder,
      leaseDurationSeconds: timing.durationSeconds,
      acquireTime: at,
      renewTime: at,
      leaseTransitions: 0,
    },
  };
}

/**
 * Whether nobody holds the Lease any more: its holder did not renew it within its duration. A Lease without
 * a renewTime (written before claims were renewed) counts as expired, so it cannot block its request forever.
 */
export function leaseExpired(lease: V1Lease, now: number): boolean {
  const renewed = lease.spec?.renewTime ?? lease.spec?.acquireTime;
  const duration = lease.spec?.leaseDurationSeconds;
  if (renewed === undefined || duration === undefined) return true;
  return new Date(renewed).getTime() + duration * 1000 <= now;
}

/** The Lease after `timing.holder` takes it over; the read resourceVersion stays so the update is optimistic. */
export function takeOverLease(lease: V1Lease, timing: LeaseTiming): V1Lease {
  const at = new V1MicroTime(timing.now);
  return {
    ...lease,
    spec: {
      ...lease.spec,
      holderIdentity: timing.holder,
      leaseDurationSeconds: timing.durationSeconds,
      acquireTime: at,
      renewTime: at,
      leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1,
    },
  };
}

/** The Lease renewed by its holder, with `notes` added to its annotations. */
export function renewLease(lease: V1Lease, now: number, notes: Readonly<Record<string, string>> = {}): V1Lease {
  return {
    ...lease,
    metadata: { ...lease.metadata, annotations: { ...lease.metadata?.annotations, ...noteAnnotations(notes) } },
    spec: { ...lease.spec, renewTime: new V1MicroTime(now) },
  };
}
