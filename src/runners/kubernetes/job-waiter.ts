// Follows one Job until it finishes: list it, then watch it from the list's resourceVersion, reconnecting on
// drops and re-listing when the server says that version is gone (410). While it runs, its pods are checked
// for problems Kubernetes would retry forever (bad image, missing Secret).
import { Watch } from '@kubernetes/client-node';
import type { BatchV1Api, CoreV1Api, KubeConfig, V1Job, V1Pod } from '@kubernetes/client-node';
import type { RunOutcome } from '../runner.js';
import { finishOutcome, jobFinish, podStartProblem, pullFailedSentence, pullGivenUp } from './job-outcome.js';
import { isHttpStatus, kubeError, networkErrorCode } from './kube-errors.js';

export interface WaiterClients {
  kc: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
  namespace: string;
}

export interface WaitTiming {
  deadlineMs: number; // Date.now() value after which wait() gives up with a timeout
  podCheckMs: number; // how often a running Job's pods are checked for start problems
  reconnectMs: number; // pause before re-opening a dropped watch
  watchTimeoutSeconds: number; // the server ends each watch after this long; the waiter simply resumes
  imagePullGraceMs: number; // how long a pod's image pulls may keep failing before the run is given up
  // How long 401/403 may last right after a lost connection: a restarting kube-apiserver answers before its
  // authorization caches are synced and refuses everyone for a moment. Beyond this, or without a lost
  // connection before it, a refusal is real (a revoked token, a Role without the verb) and final.
  refusalGraceMs: number;
}

/** How the Job ended; `stuck` when it has not finished but can never start, so the caller should stop it. */
export interface WaitResult {
  outcome: RunOutcome;
  stuck: boolean;
}

/** Why a watch connection ended and what to do next. */
type WatchEnd = { outcome: WaitResult } | { resume: string } | { relist: true } | { refused: number; from: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const jobPodSelector = (name: string) => `batch.kubernetes.io/job-name=${name}`;

export class JobWaiter {
  // pod uid → when its image pulls were first seen failing (cleared when they stop failing)
  private readonly pullFailingSince = new Map<string, number>();
  // Set when the connection was lost and nothing was answered since: a refusal now may be the server restarting.
  private disrupted = false;
  private refusedSince: number | undefined;

  constructor(
    private readonly clients: WaiterClients,
    private readonly timing: WaitTiming,
    private readonly onRestart: (why: string) => void = () => {},
  ) {}

  /** The Job's outcome, or undefined when the deadline passed first. */
  async wait(name: string): Promise<WaitResult | undefined> {
    let resourceVersion: string | undefined;
    const seen: { job?: V1Job } = {};
    while (Date.now() < this.timing.deadlineMs) {
      if (resourceVersion === undefined) {
        const listed = await this.retrying(() => this.list(name));
        if (listed === undefined) break;
        if ('outcome' in listed) return listed.outcome;
        resourceVersion = listed.resourceVersion;
        seen.job = listed.job;
      }
      const end = await this.watchOnce(name, resourceVersion, seen);
      if ('outcome' in end) return end.outcome;
      if ('refused' in end) {
        this.refusal(() => kubeError({ code: end.refused }, this.call('watch', 'jobs.batch', name)));
        this.onRestart(`watch refused (${end.refused}), retrying`);
        resourceVersion = end.from;
        await sleep(Math.min(this.timing.reconnectMs, Math.max(0, this.timing.deadlineMs - Date.now())));
      } else if ('relist' in end) {
        this.onRestart('resourceVersion gone, re-listing');
        resourceVersion = undefined;
      } else {
        this.onRestart('watch ended, resuming');
        resourceVersion = end.resume;
        this.disrupted = true;
        await sleep(Math.min(this.timing.reconnectMs, Math.max(0, this.timing.deadlineMs - Date.now())));
      }
    }
    return undefined;
  }

  /** The Job's outcome if it already finished, else the resourceVersion to watch from. */
  private async list(name: string): Promise<{ outcome: WaitResult } | { resourceVersion: string; job: V1Job }> {
    const list = await this.clients.batch.listNamespacedJob({
      namespace: this.clients.namespace,
      fieldSelector: `metadata.name=${name}`,
    });
    this.answered();
    const job = list.items[0];
    if (!job) return { outcome: gone(name) };
    const outcome = await this.evaluate(job);
    return outcome ? { outcome } : { resourceVersion: list.metadata?.resourceVersion ?? '', job };
  }

  /** The outcome a Job's current state decides, if any (its pods are read only when needed). */
  private async evaluate(job: V1Job): Promise<WaitResult | undefined> {
    const finish = jobFinish(job);
    if (finish) {
      // Read either way: a failed Job's pod says why, a complete one's which image ran (one list per run).
      const pods = await this.pods(job);
      return { outcome: finishOutcome(finish, job, pods), stuck: false };
    }
    for (const pod of await this.pods(job)) {
      const problem = podStartProblem(pod);
      const uid = pod.metadata?.uid ?? '';
      if (problem?.kind !== 'pull') this.pullFailingSince.delete(uid);
      if (problem?.kind === 'final') return { outcome: { status: 'failed', reason: problem.sentence }, stuck: true };
      if (problem?.kind === 'pull') {
        const now = Date.now();
        const since = this.pullFailingSince.get(uid) ?? now;
        this.pullFailingSince.set(uid, since);
        if (pullGivenUp(since, now, this.timing.imagePullGraceMs)) {
          return {
            outcome: { status: 'failed', reason: pullFailedSentence(problem, this.timing.imagePullGraceMs) },
            stuck: true,
          };
        }
      }
    }
    return undefined;
  }

  private async pods(job: V1Job): Promise<V1Pod[]> {
    const name = job.metadata?.name ?? '';
    const pods = await this.clients.core.listNamespacedPod({
      namespace: this.clients.namespace,
      labelSelector: jobPodSelector(name),
    });
    return pods.items;
  }

  /** One watch connection; `seen.job` carries the latest Job across connections for the pod checks. */
  private watchOnce(name: string, from: string, seen: { job?: V1Job }): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve, reject) => {
      let settled = false;
      let latest = from;
      let abort: AbortController | undefined;
      const settle = (end: WatchEnd | Error) => {
        if (settled) return;
        settled = true;
        clearInterval(podCheck);
        clearTimeout(deadline);
        abort?.abort();
        if (end instanceof Error) reject(end);
        else resolve(end);
      };
      const check = (current: V1Job) => {
        this.evaluate(current).then(
          (outcome) => outcome && settle({ outcome }),
          (error) => {
            // A failed check is retried on the next event or tick; only a refusal is final, and not even that
            // while the server may be restarting.
            const final = () => kubeError(error, this.call('list', 'pods'));
            if (isHttpStatus(error, 401) || isHttpStatus(error, 403)) {
              try {
                this.refusal(final);
              } catch (refused) {
                settle(refused as Error);
              }
            } else if (isPermanent(error)) settle(final());
          },
        );
      };
      const podCheck = setInterval(() => seen.job && check(seen.job), this.timing.podCheckMs);
      const deadline = setTimeout(() => settle({ resume: latest }), Math.max(0, this.timing.deadlineMs - Date.now()));

      new Watch(this.clients.kc)
        .watch(
          `/apis/batch/v1/namespaces/${this.clients.namespace}/jobs`,
          {
            fieldSelector: `metadata.name=${name}`,
            resourceVersion: from,
            allowWatchBookmarks: true,
            timeoutSeconds: this.timing.watchTimeoutSeconds,
          },
          (type: string, object: { code?: number; metadata?: { resourceVersion?: string } }) => {
            if (type === 'ERROR') return settle(object.code === 410 ? { relist: true } : { resume: latest });
            this.answered();
            latest = object.metadata?.resourceVersion ?? latest;
            if (type === 'DELETED') return settle({ outcome: gone(name) });
            if (type === 'ADDED' || type === 'MODIFIED') {
              seen.job = object as V1Job;
              check(seen.job);
            }
          },
          (error: unknown) => {
            // A refused watch is final unless the server may be restarting; anything else (drop, server
            // timeout, network) is resumed.
            const status = (error as { statusCode?: number } | null)?.statusCode;
            if (status === 410) settle({ relist: true });
            else if (status === 401 || status === 403) settle({ refused: status, from: latest });
            else settle({ resume: latest });
          },
        )
        .then(
          (controller) => {
            abort = controller;
            if (settled) controller.abort();
          },
          () => settle({ resume: latest }),
        );
    });
  }

  /** Runs `fn`, retrying transient failures (network, 5xx, 429) until the deadline. */
  private async retrying<T>(fn: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        const refused = [401, 403].find((code) => isHttpStatus(error, code));
        if (refused !== undefined) this.refusal(() => kubeError(error, this.call('list', 'jobs.batch')));
        else if (isPermanent(error)) throw kubeError(error, this.call('list', 'jobs.batch'));
        else this.disrupted = true;
        if (Date.now() + this.timing.reconnectMs >= this.timing.deadlineMs) return undefined;
        this.onRestart(`list failed (${networkErrorCode(error) ?? String(error)}), retrying`);
        await sleep(this.timing.reconnectMs);
      }
    }
  }

  /** Throws `final()` unless this refusal may be a restarting server (see refusalGraceMs) that is still in its grace. */
  private refusal(final: () => Error): void {
    const now = Date.now();
    this.refusedSince ??= now;
    if (!this.disrupted || now - this.refusedSince > this.timing.refusalGraceMs) throw final();
  }

  /** The server answered this token: the next refusal is judged afresh. */
  private answered(): void {
    this.disrupted = false;
    this.refusedSince = undefined;
  }

  private call(verb: string, resource: string, name?: string) {
    const server = this.clients.kc.getCurrentCluster()?.server;
    return { verb, resource, name, namespace: this.clients.namespace, server };
  }
}

function isPermanent(error: unknown): boolean {
  return [400, 401, 403, 404, 422].some((code) => isHttpStatus(error, code));
}

function gone(name: string): WaitResult {
  return {
    outcome: { status: 'cancelled', reason: `The Job "${name}" was deleted before it finished.` },
    stuck: false,
  };
}
