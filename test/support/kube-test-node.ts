// A test-only stand-in for a kubelet, so Jobs on the loopback API server really run: it registers a Node,
// binds its namespace's pending Pods to itself, runs each container's command as a local child process (no
// shell) and reports the Pod's status back the way a kubelet would. It also serves container logs over HTTPS,
// because `pods/log` reaches the kubelet through the real API server. It only touches its own namespace.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import type { V1Container, V1Pod } from '@kubernetes/client-node';

export interface TestNodeOptions {
  adminKubeconfig: string; // path to a kubeconfig allowed to manage Nodes, Pods and read Secrets
  namespace: string; // the only namespace whose Pods this node takes
  workdir: string; // where containers' commands run
  /** Tells the test when the node sent a Pod's final status (for latency measurements). */
  onPodFinished?: (pod: string, phase: 'Succeeded' | 'Failed', at: number) => void;
}

export interface TestNode {
  name: string;
  stop(): Promise<void>;
}

type JsonPatch = { op: 'add' | 'replace'; path: string; value: unknown }[];

const now = () => new Date().toISOString();
// A Lease's renewTime is a MicroTime: the server wants six fractional digits, toISOString gives three.
const microNow = () => now().replace(/\.(\d{3})Z$/, '.$1000Z');
const LEASE_SECONDS = 40;

/** Self-signed certificate for the log server; the API server does not verify the kubelet's certificate. */
function selfSignedCert(dir: string): { key: Buffer; cert: Buffer } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

function tailLines(text: string, lines: number | undefined): string {
  if (lines === undefined) return text;
  const all = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines <= 0 ? '' : `${all.slice(-lines).join('\n')}\n`;
}

export async function startTestNode(options: TestNodeOptions): Promise<TestNode> {
  const { namespace } = options;
  const kc = new KubeConfig();
  kc.loadFromFile(options.adminKubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const name = `trainbot-test-${namespace}-${Math.random().toString(36).slice(2, 8)}`.slice(0, 63);
  const dir = mkdtempSync(join(tmpdir(), 'trainbot-test-node-'));
  const logs = new Map<string, string>(); // `${pod}/${container}` → output so far
  const children = new Map<string, ChildProcess>(); // pod uid → running process
  const handled = new Set<string>(); // pod uids already taken (bound or started)
  let stopped = false;
  let watch: AbortController | undefined;

  const server = createServer(selfSignedCert(dir), (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const text = match && match[1] === namespace ? logs.get(`${match[2]}/${match[3]}`) : undefined;
    if (text === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    const lines = url.searchParams.get('tailLines');
    res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end(tailLines(text, lines === null ? undefined : Number(lines)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  await core.createNode({ body: { metadata: { name, labels: { 'trainbot.dev/test-node': 'true' } } } });
  await core.patchNodeStatus({
    name,
    body: [
      {
        op: 'add',
        path: '/status',
        value: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'trainbot test node',
              lastHeartbeatTime: now(),
              lastTransitionTime: now(),
            },
          ],
          // Only an IP: the API server would try a Hostname address first, and this name does not resolve.
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
          daemonEndpoints: { kubeletEndpoint: { Port: port } },
          capacity: { cpu: '8', memory: '16Gi', pods: '110' },
          allocatable: { cpu: '8', memory: '16Gi', pods: '110' },
        },
      },
    ] satisfies JsonPatch,
  });

  // The node-lifecycle controller (started for the real kubelet) marks a node whose Lease goes stale
  // NotReady and its Pods not ready; renewing it like a kubelet keeps this node out of that.
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const renew = () =>
    coordination
      .patchNamespacedLease({
        name,
        namespace: 'kube-node-lease',
        body: [{ op: 'add', path: '/spec/renewTime', value: microNow() }] satisfies JsonPatch,
      })
      .then(
        () => undefined,
        () => undefined,
      );
  await coordination.createNamespacedLease({
    namespace: 'kube-node-lease',
    body: { metadata: { name }, spec: { holderIdentity: name, leaseDurationSeconds: LEASE_SECONDS } },
  });
  await renew();
  const leaseTimer = setInterval(() => void renew(), (LEASE_SECONDS * 1000) / 4);

  const patchStatus = async (pod: V1Pod, ops: JsonPatch) => {
    try {
      await core.patchNamespacedPodStatus({ name: pod.metadata!.name!, namespace, body: ops });
    } catch {
      // The pod may be gone already (cancelled); a kubelet has nobody to tell then either.
    }
  };
  const containerStatus = (container: V1Container, state: object, ready = false) => ({
    name: container.name,
    image: container.image,
    imageID: '',
    ready,
    restartCount: 0,
    started: ready,
    state,
  });

  async function resolveEnv(container: V1Container): Promise<Record<string, string> | string> {
    const env: Record<string, string> = {};
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (!ref) {
        env[variable.name] = variable.value ?? '';
        continue;
      }
      try {
        const secret = await core.readNamespacedSecret({ name: ref.name!, namespace });
        const data = secret.data?.[ref.key];
        if (data === undefined) return `couldn't find key ${ref.key} in Secret ${namespace}/${ref.name}`;
        env[variable.name] = Buffer.from(data, 'base64').toString();
      } catch {
        return `secret "${ref.name}" not found`;
      }
    }
    return env;
  }

  async function run(pod: V1Pod): Promise<void> {
    const podName = pod.metadata!.name!;
    const container = pod.spec!.containers[0]!;
    const base: JsonPatch = [
      { op: 'add', path: '/status/hostIP', value: '127.0.0.1' },
      { op: 'add', path: '/status/podIP', value: '127.0.0.1' },
      { op: 'add', path: '/status/startTime', value: now() },
    ];
    const waiting = (reason: string, message: string) =>
      patchStatus(pod, [
        ...base,
        {
          op: 'add',
          path: '/status/containerStatuses',
          value: [containerStatus(container, { waiting: { reason, message } })],
        },
      ]);
    if (container.image?.endsWith(':missing')) {
      await waiting('ErrImagePull', `failed to pull image "${container.image}": not found`);
      return;
    }
    if (container.image?.endsWith(':flaky')) {
      // The first pull fails (a registry blip), the kubelet's retry a moment later succeeds.
      await waiting('ErrImagePull', `failed to pull image "${container.image}": 503 Service Unavailable`);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    const env = await resolveEnv(container);
    if (typeof env === 'string') {
      await waiting('CreateContainerConfigError', env);
      return;
    }
    const [file, ...rest] = [...(container.command ?? []), ...(container.args ?? [])];
    const key = `${podName}/${container.name}`;
    logs.set(key, '');
    const startedAt = now();
    const child = spawn(file!, rest, {
      cwd: options.workdir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(pod.metadata!.uid!, child);
    const append = (chunk: Buffer) => logs.set(key, (logs.get(key) ?? '') + chunk.toString());
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    const exited = new Promise<number>((resolve) => {
      child.on('error', (error) => {
        append(Buffer.from(`${error.message}\n`));
        resolve(127);
      });
      child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 143)));
    });
    await patchStatus(pod, [
      ...base,
      { op: 'add', path: '/status/phase', value: 'Running' },
      {
        op: 'add',
        path: '/status/conditions',
        value: [{ type: 'Ready', status: 'True', lastTransitionTime: startedAt }],
      },
      {
        op: 'add',
        path: '/status/containerStatuses',
        value: [containerStatus(container, { running: { startedAt } }, true)],
      },
    ]);
    const exitCode = await exited;
    children.delete(pod.metadata!.uid!);
    const phase = exitCode === 0 ? 'Succeeded' : 'Failed';
    const reportedAt = Date.now();
    await patchStatus(pod, [
      { op: 'add', path: '/status/phase', value: phase },
      { op: 'add', path: '/status/conditions', value: [{ type: 'Ready', status: 'False', lastTransitionTime: now() }] },
      {
        op: 'add',
        path: '/status/containerStatuses',
        value: [
          containerStatus(container, {
            terminated: {
              exitCode,
              reason: exitCode === 0 ? 'Completed' : 'Error',
              startedAt,
              finishedAt: now(),
            },
          }),
        ],
      },
    ]);
    options.onPodFinished?.(podName, phase, reportedAt);
  }

  async function handle(pod: V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    const podName = pod.metadata!.name!;
    if (pod.metadata?.deletionTimestamp) {
      // A kubelet stops the containers of a deleted pod, then confirms the deletion with a zero grace period.
      if (pod.spec?.nodeName !== name) return;
      const child = children.get(uid);
      if (child) {
        await new Promise((resolve) => {
          child.once('close', resolve);
          child.kill('SIGKILL');
        });
      }
      await core.deleteNamespacedPod({ name: podName, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
      return;
    }
    if (handled.has(uid) || pod.spec?.nodeName || pod.status?.phase !== 'Pending') return;
    handled.add(uid);
    try {
      await core.createNamespacedPodBinding({
        name: podName,
        namespace,
        body: { metadata: { name: podName }, target: { apiVersion: 'v1', kind: 'Node', name } },
      });
    } catch {
      return; // deleted meanwhile
    }
    await run(pod);
  }

  const swallow = (promise: Promise<void>) => promise.catch(() => undefined);
  async function follow(): Promise<void> {
    if (stopped) return;
    try {
      const list = await core.listNamespacedPod({ namespace });
      list.items.forEach((pod) => void swallow(handle(pod)));
      watch = await new Watch(kc).watch(
        `/api/v1/namespaces/${namespace}/pods`,
        { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
        (type, pod: V1Pod) => {
          if (type === 'ADDED' || type === 'MODIFIED') void swallow(handle(pod));
        },
        () => {
          if (!stopped) setTimeout(() => void follow(), 100);
        },
      );
    } catch {
      if (!stopped) setTimeout(() => void follow(), 200);
    }
  }
  await follow();

  return {
    name,
    async stop() {
      stopped = true;
      clearInterval(leaseTimer);
      watch?.abort();
      for (const child of children.values()) child.kill('SIGKILL');
      // The API server keeps its log connections alive; close them or close() would wait for them.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await core.deleteNode({ name }).catch(() => undefined);
      await coordination.deleteNamespacedLease({ name, namespace: 'kube-node-lease' }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
