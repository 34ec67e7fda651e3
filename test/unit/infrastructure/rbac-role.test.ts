import { beforeAll, describe, expect, it } from '@jest/globals';
import { RUNNER_RBAC_RULES, type RbacRule } from '../../../src/runners/kubernetes/rbac-rules.js';
import { block, blocks, loadTerraform, resource, resources, type TerraformFile } from './terraform-files.js';

// Order inside a rule carries no meaning to Kubernetes, so both sides are compared sorted.
function normalise(rules: readonly RbacRule[]): RbacRule[] {
  const sorted = rules.map((r) => ({
    apiGroups: [...r.apiGroups].sort(),
    resources: [...r.resources].sort(),
    verbs: [...r.verbs].sort(),
  }));
  return sorted.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

let files: TerraformFile[];
beforeAll(async () => {
  files = await loadTerraform();
});

describe('the Role trainbot is bound to', () => {
  it('grants exactly the rules KubernetesRunner declares in RUNNER_RBAC_RULES, no more and no fewer', () => {
    const role = resource(files, 'kubernetes_role_v1', 'trainbot_runner');
    const granted = blocks(role, 'rule').map((rule) => ({
      apiGroups: rule.api_groups as string[],
      resources: rule.resources as string[],
      verbs: rule.verbs as string[],
    }));
    expect(normalise(granted)).toEqual(normalise(RUNNER_RBAC_RULES));
  });

  it('has no wildcard and no rule naming resources by resource_names or non_resource_urls', () => {
    const role = resource(files, 'kubernetes_role_v1', 'trainbot_runner');
    for (const rule of blocks(role, 'rule')) {
      expect(Object.keys(rule).sort()).toEqual(['api_groups', 'resources', 'verbs']);
      expect([...(rule.resources as string[]), ...(rule.verbs as string[])]).not.toContain('*');
    }
  });

  it('is the only Role, lives in the training namespace, and there is no ClusterRole or ClusterRoleBinding', () => {
    expect([...resources(files, 'kubernetes_role_v1').keys()]).toEqual(['trainbot_runner']);
    expect(block(resource(files, 'kubernetes_role_v1', 'trainbot_runner'), 'metadata').namespace).toBe(
      '${kubernetes_namespace_v1.training.metadata[0].name}',
    );
    for (const type of ['kubernetes_cluster_role_v1', 'kubernetes_cluster_role_binding_v1']) {
      expect(resources(files, type).size).toBe(0);
    }
  });

  it('is bound to the trainbot ServiceAccount, which lives in the bot namespace, and nothing else', () => {
    const binding = resource(files, 'kubernetes_role_binding_v1', 'trainbot_runner');
    expect(block(binding, 'role_ref')).toEqual({
      api_group: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: '${kubernetes_role_v1.trainbot_runner.metadata[0].name}',
    });
    expect(blocks(binding, 'subject')).toEqual([
      {
        kind: 'ServiceAccount',
        name: '${kubernetes_service_account_v1.trainbot.metadata[0].name}',
        namespace: '${kubernetes_service_account_v1.trainbot.metadata[0].namespace}',
      },
    ]);
    expect(block(resource(files, 'kubernetes_service_account_v1', 'trainbot'), 'metadata').namespace).toBe(
      '${kubernetes_namespace_v1.bot.metadata[0].name}',
    );
  });

  it('belongs to a ServiceAccount whose token only the bot Deployment mounts, and training pods get no token', () => {
    expect(resource(files, 'kubernetes_service_account_v1', 'trainbot').automount_service_account_token).toBe(false);
    expect(resource(files, 'kubernetes_default_service_account_v1', 'training').automount_service_account_token).toBe(
      false,
    );
    const mounting = [
      ...resources(files, 'kubernetes_deployment_v1'),
      ...resources(files, 'kubernetes_stateful_set_v1'),
    ]
      .filter(
        ([, body]) => block(block(block(body, 'spec'), 'template'), 'spec').automount_service_account_token !== false,
      )
      .map(([name]) => name);
    expect(mounting).toEqual(['bot']);
    expect(
      block(block(block(resource(files, 'kubernetes_deployment_v1', 'bot'), 'spec'), 'template'), 'spec')
        .service_account_name,
    ).toBe('${kubernetes_service_account_v1.trainbot.metadata[0].name}');
  });
});
