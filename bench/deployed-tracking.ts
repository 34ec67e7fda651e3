// MLflow as the deployed bot uses it (src/index.ts, deployedTracking): runs signed with a key, and each run given an
// MLflow user of its own, created before it starts and deleted when it ends, through the basic-auth app as the
// admin of MLFLOW_TRACKING_USERNAME/PASSWORD. The benches count those user-API requests apart from the tracking
// client's, since they go through their own client; `options.onRequest` hears both.
import { randomBytes } from 'node:crypto';
import { signingKeyFromEnv, withSigningKey } from '../src/runs/run-signature.js';
import { MlflowClient, trackingOptionsFromEnv } from '../src/tracking/mlflow-client.js';
import type { MlflowHttpOptions } from '../src/tracking/mlflow-http.js';
import { MlflowUsers } from '../src/tracking/mlflow-users.js';
import { MlflowRunCredentials, withRunCredentials } from '../src/tracking/run-credentials.js';

export function deployedTracking(
  env: Record<string, string | undefined>,
  options: Omit<MlflowHttpOptions, 'trackingUri' | 'auth'> = {},
) {
  if (!env.MLFLOW_TRACKING_USERNAME)
    throw new Error(
      'MLFLOW_TRACKING_USERNAME is not set: the deployed bot is MLflow basic-auth admin; start_mlflow (scripts/services/mlflow.sh) exports it.',
    );
  const users = { requests: 0 };
  const counted = new MlflowUsers({
    ...trackingOptionsFromEnv(env),
    onRequest: (event) => {
      users.requests += 1;
      options.onRequest?.(event);
    },
  });
  // Without the auth app the runs would get no users and the figures would not be the deployed ones: stop.
  const credentials = new MlflowRunCredentials(counted, (message) => {
    process.stderr.write(`${message}\n`);
    if (message.includes('--app-name basic-auth')) process.exit(1);
  });
  const key = signingKeyFromEnv(env) ?? randomBytes(32).toString('hex');
  const tracking = withRunCredentials(withSigningKey(MlflowClient.fromEnv(env, options), key), credentials);
  return { tracking, users };
}
