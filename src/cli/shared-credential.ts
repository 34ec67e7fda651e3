// The embedded default's stand-in for per-run MLflow users (src/cli.ts runUsersFor says why there are none): every
// run is handed the CLI's own credential for the local server, and nothing is deleted when it ends. The runner
// passes the container only the credential it is issued, so without this the training could not log at all.
import type { RunCredential, RunCredentials } from '../tracking/run-credentials.js';

export function sharedCredential(username: string, password: string): RunCredentials {
  const credential: RunCredential = {
    username,
    password, // still redacted from log tails: execute-runs adds an issued password to the secrets
    env: { MLFLOW_TRACKING_USERNAME: username, MLFLOW_TRACKING_PASSWORD: password },
  };
  return {
    issue: () => Promise.resolve(credential),
    revoke: () => Promise.resolve(), // the CLI's own user: never deleted
  };
}
