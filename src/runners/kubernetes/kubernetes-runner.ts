// The Runner adapter for Kubernetes: one batch/v1 Job per run, followed with a watch. The only file here that
// calls the API (with job-waiter.ts); what to send and how to read the answers are pure functions beside it.
import { BatchV1Api, CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { JobSpec, RunHandle, RunOutcome, Runner } from '../runner.js';
import { jobFinish, newestPod } from './job-outcome.js';
import { claimLease } from './claim-lease.js';
import { CONTAINER_NAME, TRAINBOT_LABELS, jobManifest, labelSelector } from './job-manifest.js';
import { jobPodSelector, JobWaiter } from './job-waiter.js';
import { isHttpStatus, kubeError } from './kube-errors.js';
import type { KubeCall } from './kube-errors.js';
import { loadKubeConfig } from './kube-config.js';

export interface KubernetesRunnerOptions {
  namespace: string;
  /** Default: in-cluster, else KUBECONFIG / ~/.kube/config (see kube-config.ts). */
  kubeConfig?: KubeConfig;
  /** How long wait() follows a Job beyond its activeDeadlineSeconds before giving up. */
  waitGraceSeconds?: number;
  /** How often a running Job's pods are checked for problems that never resolve (bad image …). */
  podCheckMs?: number;
  reconnectMs?: number;
  /**
   * How long a pod's image pulls may keep failing before the run fails with "could not be pulled". The
   * kubelet retries a failed pull after 10 s, 20 s, 40 s …: 60 s covers three more attempts, enough for a
   * registry blip, not so long that a tag that was never pushed keeps the PR waiting.
   */
  imagePullGraceSeconds?: number;
  /**
   * How long 401/403 is retried right after a lost connection (a restarting kube-apiserver refuses everyone
   * until its authorization caches are synced: ~1 s here); a refusal that lasts longer is final.
   */
  refusalGraceSeconds?: number;
  /** The server closes each watch after this long and the runner resumes it, so idle drops stay rare. */
  watchTimeoutSeconds?: number;
  /** Told why a watch was restarted; for logs and tests. */
  onWatchRestart?: (why: string) => void;
}

const DEFAULTS = { waitGraceSeconds: 300, podCheckMs: 2000, reconnectMs: 1000, watchTimeoutSeconds: 50, imagePullGraceSeconds: 60,
  refusalGraceSeconds: 30 };
// A Job without a deadline (not one trainbot creates) is still followed only this long.
const NO_DEADLINE_WAIT_SECONDS = 24 * 3600;

export class KubernetesRunner implements Runner {
  private readonly kc: KubeConfig;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly options: KubernetesRunnerOptions & typeof DEFAULTS;

  constructor(options: KubernetesRunnerOptions) {
    this.options = { ...DEFAULTS, ...options };
    this.kc = options.kubeConfig ?? loadKubeConfig();
    this.batch = this.kc.makeApiClient(BatchV1Api);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.coordination = this.kc.makeApiClient(CoordinationV1Api);
  }

  async dispatch(spec: JobSpec): Promise<RunHandle> {
    const body = jobManifest(spec, this.options.namespace);
    try {
      await this.batch.createNamespacedJob({ namespace: this.options.namespace, body });
    } catch (error) {
      throw kubeError(error, this.call('create', 'jobs.batch', spec.name));
    }
    return { name: spec.name };
  }

  async wait(handle: RunHandle): Promise<RunOutcome> {
    const started = Date.now();
    const deadlineSeconds = (await this.deadlineSeconds(handle.name)) ?? NO_DEADLINE_WAIT_SECONDS;
    const waitSeconds = deadlineSeconds + this.options.waitGraceSeconds;
    const waiter = new JobWaiter(
      { kc: this.kc, batch: this.batch, core: this.core, namespace: this.options.namespace },
      {
        deadlineMs: started + waitSeconds * 1000,
        podCheckMs: this.options.podCheckMs,
        reconnectMs: this.options.reconnectMs,
        watchTimeoutSeconds: this.options.watchTimeoutSeconds,
        imagePullGraceMs: this.options.imagePullGraceSeconds * 1000,
        refusalGraceMs: this.options.refusalGraceSeconds * 1000,
      },
      this.options.onWatchRestart,
    );
    const result = await waiter.wait(handle.name);
    if (result === undefined) {
      await this.cancel(handle);
      return {
        status: 'timeout',
        reason: `The Job "${handle.name}" had not finished after ${waitSeconds} s, so trainbot stopped it.`,
      };
    }
    // A run that can never start is stopped here, so nothing keeps retrying it in the cluster.
    if (result.stuck) await this.cancel(handle);
    return result.outcome;
  }

  async logs(handle: RunHandle, tailLines: number): Promise<string> {
    const namespace = this.options.namespace;
    let pods;
    try {
      pods = await this.core.listNamespacedPod({ namespace, labelSelector: jobPodSelector(handle.name) });
    } catch (error) {
      throw kubeError(error, this.call('list', 'pods'));
    }
    const pod = newestPod(pods.items);
    const name = pod?.metadata?.name;
    if (!name) return '';
    try {
      return await this.core.readNamespacedPodLog({ name, namespace, container: CONTAINER_NAME, tailLines });
    } catch (error) {
      // 400: the container has not started yet (or never will), so there is no output to show.
      if (isHttpStatus(error, 400) || isHttpStatus(error, 404)) return '';
      // An empty log comes back without a Content-Type, which client-node 2 refuses to parse: nothing logged yet.
      if (error instanceof Error && error.message.includes('No Content-Type defined')) return '';
      throw kubeError(error, this.call('get', 'pods/log', name));
    }
  }

  async cancel(handle: RunHandle): Promise<void> {
    try {
      // Background: the Job goes at once and the garbage collector removes its pods after it.
      await this.batch.deleteNamespacedJob({
        name: handle.name,
        namespace: this.options.namespace,
        propagationPolicy: 'Background',
      });
    } catch (error) {
      if (isHttpStatus(error, 404)) return;
      throw kubeError(error, this.call('delete', 'jobs.batch', handle.name));
    }
  }

  async active(labels: Readonly<Record<string, string>>): Promise<RunHandle[]> {
    let jobs;
    try {
      jobs = await this.batch.listNamespacedJob({
        namespace: this.options.namespace,
        labelSelector: labelSelector({ ...labels, ...TRAINBOT_LABELS }),
      });
    } catch (error) {
      throw kubeError(error, this.call('list', 'jobs.batch'));
    }
    return jobs.items
      .filter((job) => jobFinish(job) === undefined && job.metadata?.deletionTimestamp === undefined)
      .map((job) => ({ name: job.metadata?.name ?? '' }));
  }

  async claim(key: string): Promise<boolean> {
    // The API server keeps object names unique in a namespace, so of two creates of one name exactly one wins,
    // whichever process or replica sent it (DESIGN notes: "Claims").
    const body = claimLease(key);
    try {
      await this.coordination.createNamespacedLease({ namespace: this.options.namespace, body });
      return true;
    } catch (error) {
      if (isHttpStatus(error, 409)) return false;
      throw kubeError(error, this.call('create', 'leases.coordination.k8s.io', body.metadata?.name));
    }
  }

  async release(key: string): Promise<void> {
    const name = claimLease(key).metadata?.name ?? '';
    try {
      await this.coordination.deleteNamespacedLease({ name, namespace: this.options.namespace });
    } catch (error) {
      if (isHttpStatus(error, 404)) return;
      throw kubeError(error, this.call('delete', 'leases.coordination.k8s.io', name));
    }
  }

  /** The Job's activeDeadlineSeconds, read once so wait() knows how long to follow it. */
  private async deadlineSeconds(name: string): Promise<number | undefined> {
    const job = await this.findJob(name);
    return job?.spec?.activeDeadlineSeconds;
  }

  private async findJob(name: string) {
    try {
      const list = await this.batch.listNamespacedJob({
        namespace: this.options.namespace,
        fieldSelector: `metadata.name=${name}`,
      });
      return list.items[0];
    } catch (error) {
      throw kubeError(error, this.call('list', 'jobs.batch', name));
    }
  }

  private call(verb: string, resource: string, name?: string): KubeCall {
    const server = this.kc.getCurrentCluster()?.server;
    return { verb, resource, name, namespace: this.options.namespace, server };
  }
}
