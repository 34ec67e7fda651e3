// What the tests on the real node (scripts/services/node.sh: kubelet, containerd, runc) need: the addresses
// the harness exported, a namespace whose Pods the real scheduler places on that node, and image tags in the
// local registry. Unlike the test node, nothing here runs a Pod: the kubelet does.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTestNamespace, type TestNamespace } from './kube-namespace.js';

export interface RealNode {
  name: string; // the Node's name
  label: [string, string];
  mlflowForPods: string; // MLflow as a Pod reaches it (through the node namespace's bridge gateway)
  registry: string; // host:port of the registry the node pulls from
  image: string; // the training image without a tag
  tag: string; // the tag CI pushed the training image under
}

/** The real node's environment; throws when the harness did not start it (these tests must run in CI). */
export function realNode(): RealNode {
  const env = process.env;
  const missing = [
    'TRAINBOT_REAL_NODE',
    'TRAINBOT_REAL_NODE_LABEL',
    'TRAINBOT_NODE_MLFLOW_URI',
    'TRAINBOT_REGISTRY',
    'TRAINBOT_TRAINING_IMAGE',
    'TRAINBOT_TRAINING_TAG',
  ].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not set: run the real-node tests through scripts/test.sh, which starts ` +
        'the registry (with the training image) and the real node.',
    );
  }
  const [key, value] = env.TRAINBOT_REAL_NODE_LABEL!.split('=') as [string, string];
  return {
    name: env.TRAINBOT_REAL_NODE!,
    label: [key, value],
    mlflowForPods: env.TRAINBOT_NODE_MLFLOW_URI!,
    registry: env.TRAINBOT_REGISTRY!,
    image: env.TRAINBOT_TRAINING_IMAGE!,
    tag: env.TRAINBOT_TRAINING_TAG!,
  };
}

/** A throwaway namespace whose Pods go to the real node (the harness's admission policy routes them). */
export function createRealNodeNamespace(node: RealNode, prefix: string): Promise<TestNamespace> {
  return createTestNamespace(prefix, { [node.label[0]]: node.label[1] });
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

function manifestsUrl(image: string): string {
  const slash = image.indexOf('/');
  return `http://${image.slice(0, slash)}/v2/${image.slice(slash + 1)}/manifests`;
}

/** The digest the registry serves for `image:tag`. */
export async function manifestDigest(image: string, tag: string): Promise<string> {
  const got = await fetch(`${manifestsUrl(image)}/${tag}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_TYPES.join(', ') },
  });
  const digest = got.headers.get('docker-content-digest');
  if (!got.ok || !digest) throw new Error(`HEAD ${manifestsUrl(image)}/${tag}: ${got.status}`);
  return digest;
}

/**
 * Tags `image:from` as `image:to` in the registry (the same manifest, so the same digest): trainbot runs
 * `image:<head sha>`, and the mocked pull request's head sha is fixed.
 */
export async function tagImage(image: string, from: string, to: string): Promise<void> {
  const base = manifestsUrl(image);
  const got = await fetch(`${base}/${from}`, { headers: { accept: MANIFEST_TYPES.join(', ') } });
  if (!got.ok) throw new Error(`GET ${base}/${from}: ${got.status} ${await got.text()}`);
  const type = got.headers.get('content-type') ?? MANIFEST_TYPES[1]!;
  const put = await fetch(`${base}/${to}`, {
    method: 'PUT',
    headers: { 'content-type': type },
    body: await got.arrayBuffer(),
  });
  if (!put.ok) throw new Error(`PUT ${base}/${to}: ${put.status} ${await put.text()}`);
}

export interface RealConfigOptions {
  image?: string; // default: the training image CI pushed
  command?: string[]; // default: the repository's (python train.py)
  memoryLimit?: string; // default 1Gi
  timeoutMinutes?: number;
}

/**
 * The repository's own trainbot config pointed at the real node: its namespace, the registry's image, MLflow
 * as the Pods reach it, and small CPU requests so the suite's Jobs fit on the node side by side.
 */
export function realNodeConfig(
  node: RealNode,
  namespace: string,
  experiment: string,
  options: RealConfigOptions = {},
): string {
  // Read here rather than through train-comment-mocks.ts, which needs jest: bench/real-node.ts uses this too.
  let text = readFileSync(resolve(import.meta.dirname, '../../.github/trainbot.yml'), 'utf8')
    .replace(/^experiment: .*$/m, `experiment: ${experiment}`)
    .replace(/^tracking_uri: .*$/m, `tracking_uri: ${node.mlflowForPods}`)
    .replace(/^namespace: .*$/m, `namespace: ${namespace}`)
    .replace(/^image: .*$/m, `image: ${options.image ?? node.image}`);
  if (options.command) text = text.replace(/^command: .*$/m, `command: ${JSON.stringify(options.command)}`);
  if (options.timeoutMinutes) text = text.replace(/^( {2}timeout_minutes:) .*$/m, `$1 ${options.timeoutMinutes}`);
  return (
    `${text}\njob:\n  resources:\n    requests: {cpu: 100m, memory: 32Mi}\n` +
    `    limits: {cpu: "1", memory: ${options.memoryLimit ?? '1Gi'}}\n`
  );
}
