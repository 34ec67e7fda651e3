// How the tests start the MLflow server image (infrastructure/mlflow.Dockerfile) without PostgreSQL: the
// image's own entrypoint (`mlflow server`), one worker, a SQLite store and the artifacts on the emptyDir at /tmp,
// which is also HOME. The Deployment passes a PostgreSQL URI from a Secret instead.
import type { V1Container } from '@kubernetes/client-node';

/** The container's args and environment for a server listening on `host`:`port`. */
export function mlflowOnTmp(host: string, port: number): Pick<V1Container, 'args' | 'env'> {
  return {
    args: [
      '--host',
      host,
      '--port',
      String(port),
      '--workers',
      '1',
      '--backend-store-uri',
      'sqlite:////tmp/mlflow.db',
      '--default-artifact-root',
      '/tmp/artifacts',
    ],
    env: [
      { name: 'HOME', value: '/tmp' },
      { name: 'MLFLOW_SERVER_ENABLE_JOB_EXECUTION', value: 'false' },
    ],
  };
}
