// The bot's MLflow client for integration tests, as src/index.ts builds it: the harness's admin credential
// (MLFLOW_TRACKING_USERNAME/_PASSWORD from scripts/services/mlflow.sh) and an MLflow user of its own for
// each run. Raw REST calls in tests authenticate through mlflowHeaders.
import { MlflowClient } from '../../src/tracking/mlflow-client.js';
import { MlflowRunCredentials, withRunCredentials } from '../../src/tracking/run-credentials.js';

export function requireTrackingUri(): string {
  const uri = process.env.MLFLOW_TRACKING_URI;
  if (!uri)
    throw new Error(
      'MLFLOW_TRACKING_URI is not set: run the integration tests through `npm test` (scripts/test.sh starts MLflow).',
    );
  return uri;
}

/** The admin client with per-run users; warnings (a server without the auth app) fail loudly in tests. */
export function botTracking(env: NodeJS.ProcessEnv = process.env) {
  return withRunCredentials(
    MlflowClient.fromEnv(env),
    MlflowRunCredentials.fromEnv(env, (message) => {
      throw new Error(message);
    }),
  );
}

/** Basic-auth headers for a raw MLflow REST call: the given user's, or the harness admin's. */
export function mlflowHeaders(credential?: { username: string; password: string }): Record<string, string> {
  const username = credential?.username ?? process.env.MLFLOW_TRACKING_USERNAME;
  const password = credential?.password ?? process.env.MLFLOW_TRACKING_PASSWORD;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (username && password)
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return headers;
}
