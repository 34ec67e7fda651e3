// A Kubernetes control plane of one test's own (etcd, kube-apiserver, kube-controller-manager on free loopback
// ports), for fault tests that restart the API server or compact etcd: doing that to the shared harness
// (scripts/services/kube.sh) would break every other suite running at the same time. Same binaries and flags
// as kube.sh; the binaries come from TRAINBOT_KUBE_BIN / TRAINBOT_ETCD_BIN, which scripts/setup.sh exports.
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateKube {
  adminKubeconfig: string; // path to a system:masters kubeconfig
  server: string; // https://127.0.0.1:PORT
  /** SIGKILLs kube-apiserver, waits `downMs`, starts it again on the same port and waits until it is ready. */
  restartApiserver(downMs?: number, whileDown?: () => Promise<void>): Promise<void>;
  /**
   * Resolves once the apiserver holds an open WATCH on `resource` that is not cluster-wide (its
   * apiserver_longrunning_requests metric; a watch by metadata.name counts with scope "resource"): the
   * controller-manager's own watches are cluster-wide and do not count.
   */
  watchOpen(resource: string): Promise<void>;
  /** etcd's current revision (what resourceVersions are made of). */
  revision(): Promise<number>;
  /** Compacts etcd's history up to `revision` through its HTTP gateway: older revisions are gone. */
  compact(revision: number): Promise<void>;
  stop(): Promise<void>;
}

export interface PrivateKubeOptions {
  /** false: watches go straight to etcd (--watch-cache=false), so etcd's compaction decides what is too old. */
  watchCache?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function binary(variable: string, name: string): string {
  const dir = process.env[variable];
  if (!dir)
    throw new Error(
      `${variable} is not set: run the integration tests through scripts/test.sh (scripts/setup.sh builds ${name}).`,
    );
  return join(dir, name);
}

/** Polls `url` until it answers "ok"; an unverified TLS cert is expected (self-signed). */
async function waitReady(url: string, token: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const out = execFileSync(
        'curl',
        ['-sk', '-m', '2', ...(token ? ['-H', `Authorization: Bearer ${token}`] : []), url],
        { encoding: 'utf8' },
      );
      if (out.trim() === 'ok') return; // etcd ends it with a newline, kube-apiserver does not
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`${what} did not become ready at ${url}`);
}

export async function startPrivateKube(options: PrivateKubeOptions = {}): Promise<PrivateKube> {
  const dir = mkdtempSync(join(tmpdir(), 'trainbot-private-kube-'));
  mkdirSync(join(dir, 'etcd'));
  mkdirSync(join(dir, 'certs'));
  const [etcdPort, peerPort, apiPort, cmPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},trainbot-admin,trainbot-admin,"system:masters"\n`);
  execFileSync('openssl', ['genrsa', '-out', join(dir, 'sa.key'), '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')], {
    stdio: 'ignore',
  });
  const server = `https://127.0.0.1:${apiPort}`;
  const adminKubeconfig = join(dir, 'admin.kubeconfig');
  writeFileSync(
    adminKubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: private, cluster: {server: "' + server + '", insecure-skip-tls-verify: true}}]',
      `users: [{name: admin, user: {token: ${token}}}]`,
      'contexts: [{name: private, context: {cluster: private, user: admin}}]',
      'current-context: private',
      '',
    ].join('\n'),
  );

  const children = new Set<ChildProcess>();
  // detached: each server leads its own process group, so a kill reaches exactly it (and nothing else).
  const start = (bin: string, args: string[], log: string) => {
    const child = spawn(bin, args, {
      detached: true,
      stdio: ['ignore', openSync(join(dir, log), 'a'), openSync(join(dir, log), 'a')],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };
  const kill = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  };

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcd = start(
    binary('TRAINBOT_ETCD_BIN', 'etcd'),
    [
      '--data-dir',
      join(dir, 'etcd'),
      '--name',
      'private',
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-cluster',
      `private=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync',
    ],
    'etcd.log',
  );
  await waitReady(`${etcdUrl}/readyz`, '', etcd, 'etcd');

  const apiArgs = [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/24',
    '--disable-admission-plugins=ServiceAccount',
    `--watch-cache=${options.watchCache ?? true}`,
  ];
  const startApiserver = async () => {
    const child = start(binary('TRAINBOT_KUBE_BIN', 'kube-apiserver'), apiArgs, 'kube-apiserver.log');
    await waitReady(`${server}/readyz`, token, child, 'kube-apiserver');
    return child;
  };
  let apiserver = await startApiserver();
  const cm = start(
    binary('TRAINBOT_KUBE_BIN', 'kube-controller-manager'),
    [
      `--kubeconfig=${adminKubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${cmPort}`,
      '--controllers=job-controller,garbage-collector-controller,ttl-after-finished-controller',
    ],
    'kube-controller-manager.log',
  );
  await waitReady(`https://127.0.0.1:${cmPort}/healthz`, '', cm, 'kube-controller-manager');

  const etcdCall = async (path: string, body: unknown) => {
    const response = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`etcd ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<{ header?: { revision?: string } }>;
  };

  return {
    adminKubeconfig,
    server,
    async restartApiserver(downMs = 0, whileDown) {
      await kill(apiserver);
      await whileDown?.();
      await sleep(downMs);
      apiserver = await startApiserver();
    },
    async watchOpen(resource) {
      for (let i = 0; i < 300; i += 1) {
        let metrics = '';
        try {
          metrics = execFileSync(
            'curl',
            ['-sk', '-m', '5', '-H', `Authorization: Bearer ${token}`, `${server}/metrics`],
            { encoding: 'utf8', maxBuffer: 64 << 20 },
          );
        } catch {
          /* restarting */
        }
        const open = metrics
          .split('\n')
          .filter(
            (line) =>
              line.startsWith('apiserver_longrunning_requests{') &&
              line.includes(`resource="${resource}"`) &&
              !line.includes('scope="cluster"') &&
              line.includes('verb="WATCH"'),
          )
          .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
        if (open > 0) return;
        await sleep(100);
      }
      throw new Error(`no WATCH on ${resource} opened within 30 s`);
    },
    async revision() {
      return Number((await etcdCall('/v3/maintenance/status', {})).header?.revision);
    },
    async compact(revision) {
      await etcdCall('/v3/kv/compaction', { revision: String(revision), physical: true });
    },
    async stop() {
      for (const child of [...children]) await kill(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
