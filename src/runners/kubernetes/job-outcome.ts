// Reading a Job and its Pods into trainbot's RunOutcome. Pure: the runner fetches, these decide.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { RunOutcome } from '../runner.js';
import { CONTAINER_NAME } from './job-manifest.js';

export type JobFinish = { kind: 'complete' } | { kind: 'failed'; reason: string; message: string };

/**
 * Whether the Job has finished. `SuccessCriteriaMet` and `FailureTarget` come before `Complete` and
 * `Failed` (which wait for every pod to stop), and already decide the outcome, so either one counts.
 */
export function jobFinish(job: V1Job): JobFinish | undefined {
  const conditions = (job.status?.conditions ?? []).filter((c) => c.status === 'True');
  const failed = conditions.find((c) => c.type === 'Failed') ?? conditions.find((c) => c.type === 'FailureTarget');
  if (failed) return { kind: 'failed', reason: failed.reason ?? 'Unknown', message: failed.message ?? '' };
  if (conditions.some((c) => c.type === 'Complete' || c.type === 'SuccessCriteriaMet')) return { kind: 'complete' };
  return undefined;
}

/** The most recently created pod: the last attempt, whose exit code explains the failure. */
export function newestPod(pods: readonly V1Pod[]): V1Pod | undefined {
  const created = (pod: V1Pod) => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
  return [...pods].sort((a, b) => created(b) - created(a))[0];
}

function exitSentence(pod: V1Pod | undefined): string | undefined {
  const terminated = pod?.status?.containerStatuses?.find((s) => s.state?.terminated)?.state?.terminated;
  if (!terminated) return undefined;
  if (terminated.reason === 'OOMKilled') {
    return (
      `The training container ran out of memory (OOMKilled, exit code ${terminated.exitCode}); ` +
      `raise its memory limit or make the run use less memory.`
    );
  }
  return `The training container exited with code ${terminated.exitCode}.`;
}

/**
 * The image the last attempt ran, by digest: the container's imageID as the kubelet reports it (containerd gives
 * `registry/repo@sha256:…`, dockershim prefixed `docker-pullable://`). Without one, the image the Pod names when
 * that is pinned by digest; a tag alone says nothing about what ran, so then undefined.
 */
export function ranImage(pod: V1Pod | undefined): string | undefined {
  const status = pod?.status?.containerStatuses?.find((s) => s.name === CONTAINER_NAME);
  const reported = status?.imageID?.replace(/^docker-pullable:\/\//, '');
  if (reported) return reported;
  const named = pod?.spec?.containers.find((c) => c.name === CONTAINER_NAME)?.image;
  return named?.includes('@sha256:') ? named : undefined;
}

/** The outcome of a finished Job; `pods` are its pods (the newest names the image that ran, or why it failed). */
export function finishOutcome(finish: JobFinish, job: V1Job, pods: readonly V1Pod[]): RunOutcome {
  const image = ranImage(newestPod(pods));
  const ran = image === undefined ? {} : { image };
  if (finish.kind === 'complete') return { status: 'succeeded', ...ran };
  if (finish.reason === 'DeadlineExceeded') {
    const limit = job.spec?.activeDeadlineSeconds;
    return { status: 'timeout', reason: `The run took longer than its limit of ${limit ?? '?'} s and was stopped.` };
  }
  const exit = exitSentence(newestPod(pods));
  if (finish.reason === 'BackoffLimitExceeded' && exit) return { status: 'failed', reason: exit, ...ran };
  const detail = finish.message ? `: ${finish.message.replace(/\.$/, '')}` : '';
  return { status: 'failed', reason: exit ?? `The Job failed (${finish.reason}${detail}).`, ...ran };
}

const IMAGE_PULL = ['ErrImagePull', 'ImagePullBackOff'];

/**
 * Why a pod has not started. `pull`: its image could not be pulled yet, which a registry blip or an image
 * still being pushed explains, so the kubelet's retries get a grace period first (see pullGivenUp).
 * `final`: a problem that never resolves on its own.
 */
export type StartProblem = { kind: 'pull' | 'final'; reason: string; sentence: string };

/**
 * A reason the pod has not started that Kubernetes keeps retrying forever (bad image, missing Secret), or
 * undefined while it may still start on its own.
 */
export function podStartProblem(pod: V1Pod): StartProblem | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    const reason = waiting?.reason ?? '';
    const image = pod.spec?.containers.find((c) => c.name === status.name)?.image ?? status.image;
    if (IMAGE_PULL.includes(reason)) {
      return {
        kind: 'pull',
        reason,
        sentence:
          `The image "${image}" could not be pulled (${reason}); check that it ` +
          `was built and pushed for this commit and that the cluster can pull from its registry.`,
      };
    }
    if (reason === 'InvalidImageName') {
      return {
        kind: 'final',
        reason,
        sentence:
          `The image name "${image}" is not a valid image reference ` + `(InvalidImageName); fix the configured image.`,
      };
    }
    if (reason === 'CreateContainerConfigError') {
      const why = waiting?.message ? `: ${waiting.message.replace(/\.$/, '')}` : '';
      return {
        kind: 'final',
        reason,
        sentence:
          `The training container could not be configured ` +
          `(CreateContainerConfigError${why}); check that the Secrets it references exist.`,
      };
    }
  }
  return undefined;
}

/**
 * Whether to give up on a pod whose image pulls have kept failing since `sinceMs`: only once they have failed
 * for `graceMs`, so one failed pull (a registry restarting, the image a moment from being pushed) is retried
 * by the kubelet instead of ending the run.
 */
export function pullGivenUp(sinceMs: number, nowMs: number, graceMs: number): boolean {
  return nowMs - sinceMs >= graceMs;
}

/** The sentence for a pull given up after `graceMs`: the kubelet's reason plus how long it kept failing. */
export function pullFailedSentence(problem: StartProblem, graceMs: number): string {
  return problem.sentence.replace(
    `(${problem.reason})`,
    `(${problem.reason}, still failing after ${Math.round(graceMs / 1000)} s)`,
  );
}
