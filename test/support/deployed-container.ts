// A server image's container as infrastructure/bot.tf and mlflow.tf deploy it, for running it with runc
// (runc-container.ts): uid and gid 10001, a read-only root, no privilege escalation, every capability dropped,
// and an emptyDir at /tmp, the one place it may write.
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';

/** `container` (its name, command, environment and limits) under that security context, and its Pod. */
export function deployedContainer(container: V1Container): { pod: V1PodSpec; container: V1Container } {
  return {
    pod: {
      containers: [],
      volumes: [{ name: 'tmp', emptyDir: {} }],
      securityContext: { runAsUser: 10001, runAsGroup: 10001 },
    },
    container: {
      ...container,
      securityContext: {
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    },
  };
}
