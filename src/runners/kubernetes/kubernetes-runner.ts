// The Runner adapter for Kubernetes: one batch/v1 Job per run, followed with a watch; request claims as renewed Leases. The only file here that
// calls the API (with job-waiter.ts); what to send and how to read the answers are pure functions beside it.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BatchV1Api, CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import type { ClaimInfo, JobSpec, RunHandle, RunOutcome, Runner, RunnerJob } from '../runner.js';
import { jobFinish, newestPod } from './job-outcome.js';
import {
  CLAIM_COMPONENT,
  CLAIM_KEY_ANNOTATION,
  claimLease,
  leaseExpired,
  leaseNotes,
  renewLease,
  takeOverLease,
} from './claim-lease.js';
import {
  CONTAINER_NAME,
  TRAINBOT_LABELS,
  credentialSecret,
  hasCredentials,
  jobManifest,
  labelSelector,
} from './job-manifest.js';
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
  /** Who holds this runner's claims; default host-pid-random, unique per runner. */
  holderIdentity?: string;
  /** A claim not renewed for this long may be taken over by another process. */
  leaseDurationSeconds?: number;
  /** How often a held claim is renewed; well under the duration, so one slow renewal does not lose it. */
  leaseRenewSeconds?: number;
  /** Told when a renewal failed or found the claim taken over; for logs. */
  onClaimTrouble?: (key: string, why: unknown) => void;
}

const DEFAULTS = {
  waitGraceSeconds: 300,
  podCheckMs: 2000,
  reconnectMs: 1000,
  watchTimeoutSeconds: 50,
  imagePullGraceSeconds: 60,
  leaseDurationSeconds: 60,
  leaseRenewSeconds: 15,
  refusalGraceSeconds: 30,
};

interface HeldClaim {
  lease: V1Lease;
  timer: NodeJS.Timeout;
  notes: Record<string, string>;
  /** The renewal in flight: renewals and the release go one after another, each with the last resourceVersion. */
  busy: Promise<void>;
}
// A Job without a deadline (not one trainbot creates) is still followed only this long.
const NO_DEADLINE_WAIT_SECONDS = 24 * 3600;

export class KubernetesRunner implements Runner {
  private readonly kc: KubeConfig;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly options: KubernetesRunnerOptions & typeof DEFAULTS;
  private readonly holder: string;
  private readonly held = new Map<string, HeldClaim>();

  constructor(options: KubernetesRunnerOptions) {
    this.options = { ...DEFAULTS, ...options };
    this.holder = options.holderIdentity ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.kc = options.kubeConfig ?? loadKubeConfig();
    this.batch = this.kc.makeApiClient(BatchV1Api);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.coordination = this.kc.makeApiClient(CoordinationV1Api);
  }

  async dispatch(spec: JobSpec): Promise<RunHandle> {
    const namespace = this.options.namespace;
    const body = jobManifest(spec, namespace);
    let uid: string | undefined;
    try {
      uid = (await this.batch.createNamespacedJob({ namespace, body })).metadata?.uid;
    } catch (error) {
      throw kubeError(error, this.call('create', 'jobs.batch', spec.name));
    }
    if (hasCredentials(spec)) await this.startWithCredentials(spec, uid);
    return { name: spec.name };
  }

  /** The suspended Job's own Secret, then the Job resumed; on any failure the Job goes again. */
  private async startWithCredentials(spec: JobSpec, uid: string | undefined): Promise<void> {
    const namespace = this.options.namespace;
    let call = this.call('create', 'secrets', spec.name);
    try {
      if (!uid) throw new Error('the API server returned the Job without a uid');
      await this.core.createNamespacedSecret({ namespace, body: credentialSecret(spec, namespace, uid) });
      call = this.call('patch', 'jobs.batch', spec.name);
      await this.batch.patchNamespacedJob({
        name: spec.name,
        namespace,
        body: [{ op: 'replace', path: '/spec/suspend', value: false }],
      });
    } catch (error) {
      await this.cancel({ name: spec.name }).catch(() => undefined);
      throw kubeError(error, call);
    }
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

  async claim(key: string, notes: Readonly<Record<string, string>> = {}): Promise<boolean> {
    // The API server keeps object names unique in a namespace, so of two creates of one name exactly one wins,
    // whichever process or replica sent it; of two takeovers of an expired Lease, the one whose update names the
    // resourceVersion it read wins and the other gets 409 (docs/design.md, "Claims").
    if (this.held.has(key)) return false;
    const timing = this.timing();
    const body = claimLease(key, timing, notes);
    const name = body.metadata?.name ?? '';
    try {
      const created = await this.coordination.createNamespacedLease({ namespace: this.options.namespace, body });
      return this.hold(key, created, { ...notes });
    } catch (error) {
      if (!isHttpStatus(error, 409)) throw kubeError(error, this.call('create', 'leases.coordination.k8s.io', name));
    }
    const existing = await this.readLease(name);
    if (existing === undefined || !leaseExpired(existing, timing.now)) return false;
    try {
      const taken = await this.coordination.replaceNamespacedLease({
        name,
        namespace: this.options.namespace,
        body: takeOverLease(existing, timing),
      });
      return this.hold(key, taken, leaseNotes(taken));
    } catch (error) {
      if (isHttpStatus(error, 409) || isHttpStatus(error, 404)) return false;
      throw kubeError(error, this.call('update', 'leases.coordination.k8s.io', name));
    }
  }

  async noteClaim(key: string, notes: Readonly<Record<string, string>>): Promise<void> {
    const claim = this.held.get(key);
    if (!claim) return;
    Object.assign(claim.notes, notes);
    await this.renew(key);
  }

  async release(key: string): Promise<void> {
    const claim = this.held.get(key);
    if (!claim) return;
    clearInterval(claim.timer);
    this.held.delete(key);
    await claim.busy;
    const name = claim.lease.metadata?.name ?? '';
    try {
      // Only the Lease as this process last wrote it: one taken over meanwhile belongs to its new holder.
      await this.coordination.deleteNamespacedLease({
        name,
        namespace: this.options.namespace,
        body: { preconditions: { resourceVersion: claim.lease.metadata?.resourceVersion } },
      });
    } catch (error) {
      if (isHttpStatus(error, 404) || isHttpStatus(error, 409)) return;
      throw kubeError(error, this.call('delete', 'leases.coordination.k8s.io', name));
    }
  }

  async abandon(key: string): Promise<void> {
    const claim = this.held.get(key);
    if (!claim) return;
    clearInterval(claim.timer);
    this.held.delete(key);
    await claim.busy;
  }

  async claims(): Promise<ClaimInfo[]> {
    let leases;
    try {
      leases = await this.coordination.listNamespacedLease({
        namespace: this.options.namespace,
        labelSelector: labelSelector({ ...TRAINBOT_LABELS, 'app.kubernetes.io/component': CLAIM_COMPONENT }),
      });
    } catch (error) {
      throw kubeError(error, this.call('list', 'leases.coordination.k8s.io'));
    }
    const now = Date.now();
    return leases.items
      .map((lease) => ({
        key: lease.metadata?.annotations?.[CLAIM_KEY_ANNOTATION] ?? '',
        notes: leaseNotes(lease),
        live: !leaseExpired(lease, now),
      }))
      .filter((c) => c.key !== '');
  }

  async jobs(): Promise<RunnerJob[]> {
    let jobs;
    try {
      jobs = await this.batch.listNamespacedJob({
        namespace: this.options.namespace,
        labelSelector: labelSelector(TRAINBOT_LABELS),
      });
    } catch (error) {
      throw kubeError(error, this.call('list', 'jobs.batch'));
    }
    return jobs.items
      .filter((job) => job.metadata?.deletionTimestamp === undefined)
      .map((job) => ({
        name: job.metadata?.name ?? '',
        labels: { ...job.metadata?.labels },
        finished: jobFinish(job) !== undefined,
        suspended: job.spec?.suspend === true,
      }));
  }

  private timing() {
    return { holder: this.holder, now: Date.now(), durationSeconds: this.options.leaseDurationSeconds };
  }

  private hold(key: string, lease: V1Lease, notes: Record<string, string>): true {
    // Unref'd: a renewal never keeps a finished process alive; release() stops it.
    const timer = setInterval(() => void this.renew(key), this.options.leaseRenewSeconds * 1000).unref();
    this.held.set(key, { lease, timer, notes, busy: Promise.resolve() });
    return true;
  }

  private renew(key: string): Promise<void> {
    const claim = this.held.get(key);
    if (!claim) return Promise.resolve();
    claim.busy = claim.busy.then(() => this.renewOnce(key, claim));
    return claim.busy;
  }

  private async renewOnce(key: string, claim: HeldClaim): Promise<void> {
    if (this.held.get(key) !== claim) return;
    const name = claim.lease.metadata?.name ?? '';
    try {
      // The resourceVersion last written: if another process took the Lease over, this update gets 409.
      claim.lease = await this.coordination.replaceNamespacedLease({
        name,
        namespace: this.options.namespace,
        body: renewLease(claim.lease, Date.now(), claim.notes),
      });
    } catch (error) {
      if (isHttpStatus(error, 409) || isHttpStatus(error, 404)) {
        clearInterval(claim.timer);
        this.held.delete(key);
      }
      this.options.onClaimTrouble?.(key, error);
    }
  }

  private async readLease(name: string): Promise<V1Lease | undefined> {
    try {
      return await this.coordination.readNamespacedLease({ name, namespace: this.options.namespace });
    } catch (error) {
      if (isHttpStatus(error, 404)) return undefined;
      throw kubeError(error, this.call('get', 'leases.coordination.k8s.io', name));
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
