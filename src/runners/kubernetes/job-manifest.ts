// JobSpec → the batch/v1 Job trainbot creates. Pure: the runner only sends what this returns.
import type { V1EnvVar, V1Job, V1ResourceRequirements, V1Secret } from '@kubernetes/client-node';
import type { JobSpec } from '../runner.js';

/** Labels every trainbot Job and Pod carries, so a cluster admin can find (and quota) them. */
export const TRAINBOT_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'trainbot-training',
  'app.kubernetes.io/managed-by': 'trainbot',
};

export const CONTAINER_NAME = 'train';

// The training code is the PR's code: it runs as a non-root user without privileges or an API token.
// 10001: the USER of training/Dockerfile (numeric, so runAsNonRoot can verify it; ≥ 10000, clear of host users).
const RUN_AS_USER = 10001;

const LABEL_VALUE_MAX = 63;

// The /tmp emptyDir is the only place the container can write (its root is read-only). Capped, so a run that
// fills it is evicted instead of filling the node's disk under every other Pod.
export const TMP_SIZE_LIMIT = '1Gi';

/**
 * A valid label value (≤ 63 chars, alphanumeric at both ends, `-_.` inside) that keeps as much of the
 * input as it can: a branch name like `feature/x` becomes `feature-x` instead of a rejected Job.
 */
export function sanitizeLabelValue(value: string): string {
  const replaced = value.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, LABEL_VALUE_MAX);
  return replaced.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** The spec's labels plus trainbot's own, every value made valid. */
export function jobLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const all: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...labels, ...TRAINBOT_LABELS })) {
    all[key] = sanitizeLabelValue(value);
  }
  return all;
}

/** A Kubernetes label selector (`k=v,k=v`) matching labels the way jobLabels wrote them. */
export function labelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${sanitizeLabelValue(value)}`)
    .join(',');
}

/** Whether the run has credentials of its own, which go in a Secret named like the Job. */
export function hasCredentials(spec: JobSpec): boolean {
  return Object.keys(spec.credentialEnv ?? {}).length > 0;
}

function containerEnv(spec: JobSpec): V1EnvVar[] {
  const plain = Object.entries(spec.env).map(([name, value]) => ({ name, value }));
  const secret = spec.secretEnv.map((ref) => ({
    name: ref.env,
    valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } },
  }));
  const own = Object.keys(spec.credentialEnv ?? {}).map((name) => ({
    name,
    valueFrom: { secretKeyRef: { name: spec.name, key: name } },
  }));
  return [...plain, ...secret, ...own];
}

/**
 * The Secret holding a run's own credentials, owned by its Job: the garbage collector deletes it with the Job.
 * Its name is the Job's; its keys are the variable names.
 */
export function credentialSecret(spec: JobSpec, namespace: string, jobUid: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: spec.name,
      namespace,
      labels: jobLabels(spec.labels),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: spec.name, uid: jobUid }],
    },
    type: 'Opaque',
    immutable: true,
    stringData: { ...spec.credentialEnv },
  };
}

function resources(spec: JobSpec): V1ResourceRequirements {
  return { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } };
}

export function jobManifest(spec: JobSpec, namespace: string): V1Job {
  const labels = jobLabels(spec.labels);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: spec.name, namespace, labels },
    spec: {
      // A Job with credentials of its own starts suspended: its Secret can only name the Job as owner once the
      // Job exists, and no Pod may start before the Secret does. The runner resumes it after creating the Secret.
      ...(hasCredentials(spec) ? { suspend: true } : {}),
      activeDeadlineSeconds: spec.timeoutSeconds,
      backoffLimit: spec.backoffLimit,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image,
              // `command` replaces the image's entrypoint and `args` are exec'd as they are: no shell anywhere.
              command: [...spec.command],
              args: [...spec.args],
              env: containerEnv(spec),
              resources: resources(spec),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              // A read-only root still needs a scratch folder: Python and MLflow write temp files.
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: TMP_SIZE_LIMIT } }],
        },
      },
    },
  };
}
