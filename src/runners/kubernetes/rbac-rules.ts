// The Kubernetes API calls KubernetesRunner makes, as RBAC rules. This one list is the source of truth:
// infrastructure/ grants exactly these (a test compares them) and the loopback-cluster tests bind the bot to them.
export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export const RUNNER_RBAC_RULES: readonly RbacRule[] = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'list', 'update', 'delete'] },
];
