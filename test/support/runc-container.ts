// Runs a Job's container from a real image in a real container with runc, the way a kubelet would start it:
// the image is pulled from a registry (skopeo) and unpacked (umoci), and the Pod's user, read-only root,
// emptyDir volumes (as tmpfs), capabilities, no-new-privileges, environment and limits become the OCI runtime
// spec. Needs root and runc, skopeo, umoci (scripts/tools/training-image.sh installs them).
// No network namespace: the container shares the host's, so it reaches services on 127.0.0.1 and nothing
// is routed anywhere else (this machine's network rule).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';

const run = promisify(execFile);

/** The part of an OCI image config a container start reads. */
export interface ImageConfig {
  User?: string;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[];
}

/** Copies `ref` (registry/repo:tag or @digest, plain HTTP) into an OCI layout and unpacks it as a runc bundle. */
export async function unpackImage(ref: string, dir: string): Promise<{ bundle: string; rootfs: string }> {
  const layout = join(dir, 'oci');
  const bundle = join(dir, 'bundle');
  await run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:image`], {
    maxBuffer: 1 << 24,
  });
  await run('umoci', ['unpack', '--image', `${layout}:image`, bundle], { maxBuffer: 1 << 24 });
  return { bundle, rootfs: join(bundle, 'rootfs') };
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** A Kubernetes memory quantity (`2Gi`, `512M`, `1000`) in bytes. */
export function memoryBytes(quantity: string): number {
  const match = /^([0-9.]+)([kMGT]i?|)$/.exec(quantity);
  const unit = match ? UNITS[match[2] ?? ''] : undefined;
  if (!match || unit === undefined) throw new Error(`unsupported memory quantity ${quantity}`);
  return Math.round(Number(match[1]) * unit);
}

/** Kubernetes' rule: `command` replaces the entrypoint (and drops the image's Cmd); `args` replaces Cmd. */
export function processArgs(image: ImageConfig, container: V1Container): string[] {
  if (container.command?.length) return [...container.command, ...(container.args ?? [])];
  return [...(image.Entrypoint ?? []), ...(container.args ?? image.Cmd ?? [])];
}

/** The OCI runtime spec for one container of `pod`, started from an image whose config is `image`. */
export function runtimeSpec(image: ImageConfig, pod: V1PodSpec, container: V1Container): Record<string, unknown> {
  const security = container.securityContext ?? {};
  const uid = security.runAsUser ?? pod.securityContext?.runAsUser ?? Number(image.User?.split(':')[0] ?? 0);
  const gid = security.runAsGroup ?? pod.securityContext?.runAsGroup ?? 0;
  if (!Number.isInteger(uid))
    throw new Error(`the image's USER ${image.User} is not numeric and the Pod sets no runAsUser`);
  const env = [...(image.Env ?? [])];
  for (const variable of container.env ?? []) {
    if (variable.valueFrom)
      throw new Error(`env ${variable.name} comes from a Secret; pass plain values to this runner`);
    env.push(`${variable.name}=${variable.value ?? ''}`);
  }
  const dropsAll = security.capabilities?.drop?.includes('ALL') ?? false;
  if (!dropsAll) throw new Error('this runner only starts containers that drop ALL capabilities, as trainbot Jobs do');
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const tmpfsMounts = (container.volumeMounts ?? []).map((m) => {
    if (!volumes.get(m.name)?.emptyDir)
      throw new Error(`volume ${m.name} is not an emptyDir; only emptyDir volumes are supported`);
    return {
      destination: m.mountPath,
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'mode=1777', 'size=256m'],
    };
  });
  const memory = container.resources?.limits?.memory;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid, gid },
      args: processArgs(image, container),
      env,
      cwd: container.workingDir ?? (image.WorkingDir || '/'),
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      noNewPrivileges: security.allowPrivilegeEscalation === false,
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    },
    root: { path: 'rootfs', readonly: security.readOnlyRootFilesystem === true },
    hostname: 'trainbot-test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      },
      ...tmpfsMounts,
    ],
    linux: {
      // No "network" entry: the host's network namespace (see the header).
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      resources: memory ? { memory: { limit: memoryBytes(memory) } } : {},
      maskedPaths: [
        '/proc/acpi',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

export interface ContainerExit {
  exitCode: number;
  output: string;
}

const runc = process.env.TRAINBOT_RUNC ?? 'runc';

/**
 * Writes `spec` into the bundle and runs it to the end (killed after `timeoutMs`); stdout and stderr together.
 * `id` names the container for stopContainer, for a server that runs until it is stopped.
 */
export async function runContainer(
  bundle: string,
  spec: Record<string, unknown>,
  timeoutMs: number,
  id = `trainbot-test-${randomBytes(4).toString('hex')}`,
): Promise<ContainerExit> {
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  return new Promise((done, fail) => {
    const child = spawn(runc, ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => void run(runc, ['kill', id, 'KILL']).catch(() => undefined), timeoutMs);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      void run(runc, ['delete', '--force', id]).catch(() => undefined);
      done({ exitCode: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** SIGTERM to a container runContainer started, as a kubelet stops a Pod; runContainer's promise then settles. */
export async function stopContainer(id: string): Promise<void> {
  await run(runc, ['kill', id, 'TERM']).catch(() => undefined);
}
