import { describe, expect, it } from '@jest/globals';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import {
  finishOutcome,
  jobFinish,
  newestPod,
  podStartProblem,
  pullFailedSentence,
  pullGivenUp,
  ranImage,
} from '../../../src/runners/kubernetes/job-outcome.js';

const job = (conditions: { type: string; status: string; reason?: string; message?: string }[]): V1Job => ({
  spec: { activeDeadlineSeconds: 600, template: {} },
  status: { conditions: conditions.map((c) => ({ ...c })) },
});

const pod = (created: string, terminated?: { exitCode: number; reason?: string }, waiting?: object): V1Pod => ({
  metadata: { name: `pod-${created}`, creationTimestamp: new Date(created) },
  spec: { containers: [{ name: 'train', image: 'registry.local/wine:abc' }] },
  status: {
    containerStatuses: [
      {
        name: 'train',
        image: 'registry.local/wine:abc',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: terminated ? { terminated } : { waiting },
      },
    ],
  },
});

describe('jobFinish', () => {
  it('is undefined while no terminal condition is true', () => {
    expect(jobFinish(job([{ type: 'Complete', status: 'False' }]))).toBeUndefined();
    expect(jobFinish({})).toBeUndefined();
  });

  it('counts SuccessCriteriaMet as complete before Complete arrives', () => {
    expect(jobFinish(job([{ type: 'SuccessCriteriaMet', status: 'True' }]))).toEqual({ kind: 'complete' });
  });

  it('counts FailureTarget as failed before Failed arrives, keeping its reason', () => {
    expect(
      jobFinish(
        job([
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
        ]),
      ),
    ).toEqual({ kind: 'failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
  });
});

describe('finishOutcome', () => {
  it('reports a deadline as a timeout that names the limit', () => {
    const j = job([{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }]);
    expect(finishOutcome(jobFinish(j)!, j, [])).toEqual({
      status: 'timeout',
      reason: 'The run took longer than its limit of 600 s and was stopped.',
    });
  });

  it('reports exhausted retries with the exit code of the newest attempt', () => {
    const j = job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]);
    const pods = [pod('2026-01-01T00:00:00Z', { exitCode: 1 }), pod('2026-01-01T00:05:00Z', { exitCode: 3 })];
    expect(finishOutcome(jobFinish(j)!, j, pods)).toEqual({
      status: 'failed',
      reason: 'The training container exited with code 3.',
    });
  });

  it('says an OOMKilled container ran out of memory', () => {
    const j = job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]);
    expect(
      finishOutcome(jobFinish(j)!, j, [pod('2026-01-01T00:00:00Z', { exitCode: 137, reason: 'OOMKilled' })]),
    ).toEqual({
      status: 'failed',
      reason:
        'The training container ran out of memory (OOMKilled, exit code 137); ' +
        'raise its memory limit or make the run use less memory.',
    });
  });

  it('falls back to the Job condition when no pod is left to explain the failure', () => {
    const j = job([
      {
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
    ]);
    expect(finishOutcome(jobFinish(j)!, j, [])).toEqual({
      status: 'failed',
      reason: 'The Job failed (BackoffLimitExceeded: Job has reached the specified backoff limit).',
    });
  });
});

describe('newestPod', () => {
  it('picks the most recently created pod', () => {
    const pods = [pod('2026-01-01T00:05:00Z'), pod('2026-01-01T00:09:00Z'), pod('2026-01-01T00:01:00Z')];
    expect(newestPod(pods)?.metadata?.name).toBe('pod-2026-01-01T00:09:00Z');
  });
});

describe('podStartProblem', () => {
  it('names the image that cannot be pulled, as a problem the kubelet may still resolve', () => {
    for (const reason of ['ErrImagePull', 'ImagePullBackOff']) {
      expect(podStartProblem(pod('2026-01-01T00:00:00Z', undefined, { reason }))).toEqual({
        kind: 'pull',
        reason,
        sentence:
          `The image "registry.local/wine:abc" could not be pulled (${reason}); check that it was built and ` +
          'pushed for this commit and that the cluster can pull from its registry.',
      });
    }
  });

  it('names an invalid image reference, a final problem', () => {
    expect(podStartProblem(pod('2026-01-01T00:00:00Z', undefined, { reason: 'InvalidImageName' }))).toEqual({
      kind: 'final',
      reason: 'InvalidImageName',
      sentence:
        'The image name "registry.local/wine:abc" is not a ' +
        'valid image reference (InvalidImageName); fix the configured image.',
    });
  });

  it('passes on the kubelet’s message for a container it cannot configure', () => {
    expect(
      podStartProblem(
        pod('2026-01-01T00:00:00Z', undefined, {
          reason: 'CreateContainerConfigError',
          message: 'secret "mlflow-auth" not found',
        }),
      )?.sentence,
    ).toBe(
      'The training container could not be configured ' +
        '(CreateContainerConfigError: secret "mlflow-auth" not found); check that the Secrets it references exist.',
    );
  });

  it('is undefined while the container is merely creating', () => {
    expect(podStartProblem(pod('2026-01-01T00:00:00Z', undefined, { reason: 'ContainerCreating' }))).toBeUndefined();
  });
});

describe('an image pull that keeps failing', () => {
  it('is given up only once it has failed for the whole grace period', () => {
    expect(pullGivenUp(1_000, 1_000, 60_000)).toBe(false);
    expect(pullGivenUp(1_000, 60_999, 60_000)).toBe(false);
    expect(pullGivenUp(1_000, 61_000, 60_000)).toBe(true);
  });

  it('says how long it kept failing', () => {
    const problem = podStartProblem(pod('2026-01-01T00:00:00Z', undefined, { reason: 'ImagePullBackOff' }))!;
    expect(pullFailedSentence(problem, 60_000)).toBe(
      'The image "registry.local/wine:abc" could not be pulled ' +
        '(ImagePullBackOff, still failing after 60 s); check that it was built and pushed for this commit and that ' +
        'the cluster can pull from its registry.',
    );
  });
});

describe('ranImage', () => {
  const digest = 'sha256:' + 'ab'.repeat(32);
  const withImage = (image: string, imageID: string, created = '2026-01-01T00:00:00Z'): V1Pod => {
    const p = pod(created, { exitCode: 0 });
    return {
      ...p,
      spec: { containers: [{ name: 'train', image }] },
      status: { containerStatuses: [{ ...p.status!.containerStatuses![0]!, image, imageID }] },
    };
  };

  it("is the container's imageID, the digest the kubelet ran, without dockershim's scheme", () => {
    expect(ranImage(withImage('registry.local/wine:abc', `registry.local/wine@${digest}`))).toBe(
      `registry.local/wine@${digest}`,
    );
    expect(ranImage(withImage('registry.local/wine:abc', `docker-pullable://registry.local/wine@${digest}`))).toBe(
      `registry.local/wine@${digest}`,
    );
  });

  it('falls back to the image the Pod names only when that is pinned by digest', () => {
    expect(ranImage(withImage(`registry.local/wine@${digest}`, ''))).toBe(`registry.local/wine@${digest}`);
    expect(ranImage(withImage('registry.local/wine:abc', ''))).toBeUndefined();
    expect(ranImage(undefined)).toBeUndefined();
  });

  it('reaches the outcome from the newest pod, for a complete Job and a failed one', () => {
    const older = withImage(
      'registry.local/wine:abc',
      `registry.local/wine@sha256:${'00'.repeat(32)}`,
      '2026-01-01T00:00:00Z',
    );
    const newer = withImage('registry.local/wine:abc', `registry.local/wine@${digest}`, '2026-01-01T00:01:00Z');
    const complete = job([{ type: 'Complete', status: 'True' }]);
    expect(finishOutcome(jobFinish(complete)!, complete, [older, newer])).toEqual({
      status: 'succeeded',
      image: `registry.local/wine@${digest}`,
    });
    const failed = job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]);
    expect(finishOutcome(jobFinish(failed)!, failed, [newer])).toMatchObject({
      status: 'failed',
      image: `registry.local/wine@${digest}`,
    });
  });
});
