// What trainbot's pipeline asks of MLflow, in one interface for the bot, the CLI and the sweep action.
// MlflowClient implements it; unit tests give an in-memory one (test/unit/pipeline/memory-ports.ts). A client
// that carries a signing key signs the runs it creates and trusts only runs that verify (src/runs/run-signature.ts);
// one that carries runCredentials gives each run an MLflow user of its own (src/tracking/run-credentials.ts);
// one that carries modelRegistry registers the merge's baseline model (src/pipeline/register-model.ts).
import type { RunSigning } from '../runs/run-signature.js';
import type { MlflowClient } from './mlflow-client.js';
import type { ModelRegistryPort } from './model-registry.js';
import type { RunCredentialsPort } from './run-credentials.js';

export type Tracking = Pick<
  MlflowClient,
  'ensureExperiment' | 'createRun' | 'setTags' | 'getRun' | 'setTerminated' | 'searchRuns' | 'searchAllRuns'
> &
  RunSigning &
  RunCredentialsPort &
  ModelRegistryPort &
  // The baseline pointer (src/tracking/pointed-baseline.ts): MlflowClient has both; a port without them (a test's
  // in-memory one) finds baselines by searching, as before pointers.
  Partial<Pick<MlflowClient, 'getExperiment' | 'setExperimentTag'>>;
