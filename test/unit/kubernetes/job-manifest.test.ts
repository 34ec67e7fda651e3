import { describe, expect, it } from '@jest/globals';
import {
  credentialSecret,
  jobLabels,
  jobManifest,
  labelSelector,
  sanitizeLabelValue,
} from '../../../src/runners/kubernetes/job-manifest.js';
import type { JobSpec } from '../../../src/runners/runner.js';

const spec: JobSpec = {
  name: 'train-pr12-a1b2c3d-0',
  image: 'ghcr.io/acme/wine:a1b2c3d',
  command: ['python', 'train.py'],
  args: ['--alpha', '0.5', '--l1-ratio', '0.2'],
  env: { MLFLOW_TRACKING_URI: 'http://mlflow:5000', MLFLOW_RUN_ID: 'abc123' },
  secretEnv: [{ env: 'MLFLOW_TRACKING_PASSWORD', secret: 'mlflow-auth', key: 'password' }],
  labels: { 'trainbot.dev/pr': '12', 'trainbot.dev/branch': 'feature/new-model' },
  timeoutSeconds: 900,
  backoffLimit: 0,
  ttlSecondsAfterFinished: 3600,
  resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
};

describe('jobManifest', () => {
  const job = jobManifest(spec, 'ml');
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0]!;

  it('names the Job after the spec and places it in the namespace', () => {
    expect(job.metadata).toMatchObject({ name: 'train-pr12-a1b2c3d-0', namespace: 'ml' });
  });

  it('labels Job and pod template with the spec labels, made valid, plus trainbot’s own', () => {
    const expected = {
      'trainbot.dev/pr': '12',
      'trainbot.dev/branch': 'feature-new-model',
      'app.kubernetes.io/name': 'trainbot-training',
      'app.kubernetes.io/managed-by': 'trainbot',
    };
    expect(job.metadata!.labels).toEqual(expected);
    expect(job.spec!.template.metadata!.labels).toEqual(expected);
  });

  it('passes command and args as separate exec arguments, never through a shell', () => {
    expect(container.command).toEqual(['python', 'train.py']);
    expect(container.args).toEqual(['--alpha', '0.5', '--l1-ratio', '0.2']);
  });

  it('sets plain env inline and credentials only as secretKeyRef', () => {
    expect(container.env).toEqual([
      { name: 'MLFLOW_TRACKING_URI', value: 'http://mlflow:5000' },
      { name: 'MLFLOW_RUN_ID', value: 'abc123' },
      { name: 'MLFLOW_TRACKING_PASSWORD', valueFrom: { secretKeyRef: { name: 'mlflow-auth', key: 'password' } } },
    ]);
  });

  it('maps the limits: deadline, retries, cleanup, resources, no restarts', () => {
    expect(job.spec).toMatchObject({ activeDeadlineSeconds: 900, backoffLimit: 0, ttlSecondsAfterFinished: 3600 });
    expect(pod.restartPolicy).toBe('Never');
    expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
  });

  it('runs the PR’s code unprivileged, as a non-root user without an API token', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('caps the scratch folder, the only place the container can write', () => {
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }]);
  });

  it('does not share arrays with the spec, so changing the Job cannot change the spec', () => {
    container.args!.push('--extra');
    expect(spec.args).toEqual(['--alpha', '0.5', '--l1-ratio', '0.2']);
  });
});

describe('sanitizeLabelValue', () => {
  it.each([
    ['12', '12'],
    ['feature/new-model', 'feature-new-model'],
    ['-leading.and.trailing_', 'leading.and.trailing'],
    ['a'.repeat(70), 'a'.repeat(63)],
    [`${'b'.repeat(62)}/x`, 'b'.repeat(62)],
    ['ünïcode', 'n-code'],
    ['', ''],
  ])('%j becomes the valid label value %j', (input, expected) => {
    expect(sanitizeLabelValue(input)).toBe(expected);
  });
});

describe('labelSelector', () => {
  it('matches labels the way jobLabels wrote them', () => {
    const labels = { 'trainbot.dev/branch': 'fix/x', 'trainbot.dev/pr': '7' };
    expect(labelSelector(labels)).toBe('trainbot.dev/branch=fix-x,trainbot.dev/pr=7');
    expect(jobLabels(labels)['trainbot.dev/branch']).toBe('fix-x');
  });
});

describe('a run with credentials of its own', () => {
  const own = {
    ...spec,
    credentialEnv: { MLFLOW_TRACKING_USERNAME: 'trainbot-user-abc123', MLFLOW_TRACKING_PASSWORD: 'pw' },
  };
  const job = jobManifest(own, 'ml');

  it('starts suspended, so no Pod runs before its Secret exists, and reads them from the Secret named like the Job', () => {
    expect(job.spec?.suspend).toBe(true);
    expect(job.spec?.template.spec?.containers[0]?.env?.slice(-2)).toEqual([
      {
        name: 'MLFLOW_TRACKING_USERNAME',
        valueFrom: { secretKeyRef: { name: own.name, key: 'MLFLOW_TRACKING_USERNAME' } },
      },
      {
        name: 'MLFLOW_TRACKING_PASSWORD',
        valueFrom: { secretKeyRef: { name: own.name, key: 'MLFLOW_TRACKING_PASSWORD' } },
      },
    ]);
    expect(JSON.stringify(job)).not.toContain('"pw"');
  });

  it('keeps them in an immutable Secret owned by the Job, so the garbage collector removes it with the Job', () => {
    expect(credentialSecret(own, 'ml', 'uid-1')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      immutable: true,
      metadata: {
        name: own.name,
        namespace: 'ml',
        labels: jobLabels(own.labels),
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: own.name, uid: 'uid-1' }],
      },
      stringData: own.credentialEnv,
    });
  });

  it('leaves a Job without them unsuspended', () => {
    expect(jobManifest(spec, 'ml').spec?.suspend).toBeUndefined();
  });
});
