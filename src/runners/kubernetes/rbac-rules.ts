// The Kubernetes API calls KubernetesRunner makes, as RBAC rules. This one list is the source of truth:
// infrastructure/ grants exactly these (a test compares them) and the loopback-cluster tests bind the bot to them.
export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export const RUNNER_RBAC_RULES: readonly RbacRule[] = [
  // patch: a Job with its own MLflow credentials is created suspended and resumed once its Secret exists.
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'list', 'watch', 'delete', 'patch'] },
  // create only: the bot writes each run's own Secret (owned by the Job) and never reads or changes one.
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'list', 'update', 'delete'] },
];
