// A throwaway namespace on the loopback API server with a ServiceAccount bound to a Role built from the
// given rules, and a kubeconfig carrying that account's token: tests act as the bot would, so a verb
// missing from RUNNER_RBAC_RULES fails them.
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { RbacRule } from '../../src/runners/kubernetes/rbac-rules.js';

export interface TestNamespace {
  name: string;
  admin: KubeConfig;
  /** A kubeconfig for a new ServiceAccount in this namespace bound to exactly `rules`. */
  accountWith(account: string, rules: readonly RbacRule[], server?: string): Promise<KubeConfig>;
  delete(): Promise<void>;
}

/** The admin kubeconfig the loopback cluster exported (scripts/services/kube.sh). */
export function adminKubeconfigPath(): string {
  const path = process.env.TRAINBOT_KUBE_ADMIN_KUBECONFIG;
  if (!path) {
    throw new Error(
      'TRAINBOT_KUBE_ADMIN_KUBECONFIG is not set; run these tests through scripts/test.sh, which ' +
        'starts the loopback Kubernetes API and sets it.',
    );
  }
  return path;
}

export function adminConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfigPath());
  return kc;
}

/** A kubeconfig for `server` (default: the admin's) authenticating with `token`. */
export function tokenConfig(admin: KubeConfig, token: string, server?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'loopback', server: server ?? admin.getCurrentCluster()!.server, skipTLSVerify: true }],
    users: [{ name: 'bot', token }],
    contexts: [{ name: 'bot', cluster: 'loopback', user: 'bot' }],
    currentContext: 'bot',
  });
  return kc;
}

/** `labels` on the namespace: test/support/real-node.ts labels its namespaces so their Pods go to the real node. */
export async function createTestNamespace(prefix: string, labels: Record<string, string> = {}): Promise<TestNamespace> {
  const admin = adminConfig();
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await core.createNamespace({ body: { metadata: { name, labels } } });

  return {
    name,
    admin,
    async accountWith(account, rules, server) {
      await core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: account } } });
      await rbac.createNamespacedRole({
        namespace: name,
        body: { metadata: { name: account }, rules: rules.map((rule) => ({ ...rule })) },
      });
      await rbac.createNamespacedRoleBinding({
        namespace: name,
        body: {
          metadata: { name: account },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: account },
          subjects: [{ kind: 'ServiceAccount', name: account, namespace: name }],
        },
      });
      const request = await core.createNamespacedServiceAccountToken({
        name: account,
        namespace: name,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      const token = request.status?.token;
      if (!token) throw new Error(`TokenRequest for ${account} returned no token`);
      return tokenConfig(admin, token, server);
    },
    async delete() {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}
