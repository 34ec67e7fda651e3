// The Lease that claims one request for one bot process (KubernetesRunner.claim). Pure. Its name is derived
// from the request key, so every process computes the same name and the API server lets only one create it;
// the key itself is kept in an annotation for people (and a future reconciler) reading the namespace.
import { createHash } from 'node:crypto';
import type { V1Lease } from '@kubernetes/client-node';
import { TRAINBOT_LABELS } from './job-manifest.js';

export const CLAIM_KEY_ANNOTATION = 'trainbot.dev/request-key';

export function claimLeaseName(key: string): string {
  return `trainbot-claim-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 20)}`;
}

export function claimLease(key: string): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: claimLeaseName(key),
      labels: { ...TRAINBOT_LABELS, 'app.kubernetes.io/component': 'claim' },
      // Keys are `owner/repo#request`; an annotation value may be long, but keep it bounded all the same.
      annotations: { [CLAIM_KEY_ANNOTATION]: key.slice(0, 1024) },
    },
    spec: { holderIdentity: `trainbot-${process.pid}` },
  };
}
