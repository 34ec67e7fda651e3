// Where KubernetesRunner's credentials come from: the pod's service account inside a cluster, else the
// kubeconfig a developer or CI runner already has (KUBECONFIG, then ~/.kube/config).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { RunnerError } from '../runner.js';

export const NO_KUBECONFIG =
  'No Kubernetes configuration was found; set KUBECONFIG to a kubeconfig file, create ~/.kube/config, ' +
  'or run trainbot inside the cluster with a service account.';

export type KubeConfigSource = { kind: 'in-cluster' } | { kind: 'file'; path: string } | { kind: 'none' };

/** Which configuration applies, from the environment and the files that exist. Pure given `exists`. */
export function kubeConfigSource(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
  exists: (path: string) => boolean,
): KubeConfigSource {
  if (env.KUBERNETES_SERVICE_HOST) return { kind: 'in-cluster' };
  // KUBECONFIG may list several files; the first one present is trainbot's (no merging: one cluster).
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  const candidates = listed.length > 0 ? listed : [join(home, '.kube', 'config')];
  const path = candidates.find(exists);
  return path ? { kind: 'file', path } : { kind: 'none' };
}

/** A KubeConfig loaded from one file; a file without a current cluster is a configuration error. */
export function kubeConfigFromFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw new RunnerError(`The kubeconfig ${path} could not be read; check that it is valid YAML.`, String(error));
  }
  if (!kc.getCurrentCluster()) {
    throw new RunnerError(`The kubeconfig ${path} has no current context with a cluster; set current-context in it.`);
  }
  return kc;
}

/** The KubeConfig for this process, or a RunnerError that says how to provide one. */
export function loadKubeConfig(env: Readonly<Record<string, string | undefined>> = process.env): KubeConfig {
  const source = kubeConfigSource(env, homedir(), existsSync);
  if (source.kind === 'none') throw new RunnerError(NO_KUBECONFIG);
  if (source.kind === 'file') return kubeConfigFromFile(source.path);
  const kc = new KubeConfig();
  kc.loadFromCluster();
  return kc;
}
