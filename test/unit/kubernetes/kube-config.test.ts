import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  NO_KUBECONFIG,
  kubeConfigFromFile,
  kubeConfigSource,
  loadKubeConfig,
} from '../../../src/runners/kubernetes/kube-config.js';

const existing =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('kubeConfigSource', () => {
  it('uses the pod’s service account inside a cluster, even when a kubeconfig exists', () => {
    expect(
      kubeConfigSource({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBECONFIG: '/k' }, '/home/bot', existing('/k')),
    ).toEqual({ kind: 'in-cluster' });
  });

  it('takes the first existing file listed in KUBECONFIG', () => {
    expect(kubeConfigSource({ KUBECONFIG: '/missing:/b:/c' }, '/home/bot', existing('/b', '/c'))).toEqual({
      kind: 'file',
      path: '/b',
    });
  });

  it('falls back to ~/.kube/config without KUBECONFIG', () => {
    expect(kubeConfigSource({}, '/home/bot', existing('/home/bot/.kube/config'))).toEqual({
      kind: 'file',
      path: '/home/bot/.kube/config',
    });
  });

  it('finds nothing when no listed file exists', () => {
    expect(kubeConfigSource({ KUBECONFIG: '/missing' }, '/home/bot', existing('/home/bot/.kube/config'))).toEqual({
      kind: 'none',
    });
  });
});

describe('loadKubeConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainbot-kubeconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says how to configure Kubernetes when there is no configuration', () => {
    expect(() => loadKubeConfig({ KUBECONFIG: join(dir, 'absent') })).toThrow(NO_KUBECONFIG);
  });

  it('refuses a kubeconfig without a current cluster, saying what to set', () => {
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    expect(() => kubeConfigFromFile(file)).toThrow(
      `The kubeconfig ${file} has no current context with a cluster; ` + 'set current-context in it.',
    );
  });

  it('loads the cluster address from the file KUBECONFIG names', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: c',
        'clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: c, context: {cluster: k, user: u}}]',
        '',
      ].join('\n'),
    );
    expect(loadKubeConfig({ KUBECONFIG: file }).getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  });
});
