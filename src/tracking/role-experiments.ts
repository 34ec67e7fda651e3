// Both experiments of a repository, created when missing, before any Job runs. Creating the baselines one
// up front matters: a user may create an experiment and then manages it, so a Job that found no baselines
// experiment could make one and own the place where baselines are read from.
import type { TrainbotConfig } from '../config/config-types.js';
import { experimentName } from './experiment-names.js';
import type { MlflowClient } from './mlflow-client.js';

export interface RoleExperiments {
  candidates: string; // experiment ids
  baselines: string;
}

export async function ensureRoleExperiments(
  tracking: Pick<MlflowClient, 'ensureExperiment'>,
  config: Pick<TrainbotConfig, 'experiment'>,
): Promise<RoleExperiments> {
  const candidates = await tracking.ensureExperiment(experimentName(config, 'candidate'));
  const baselines = await tracking.ensureExperiment(experimentName(config, 'baseline'));
  return { candidates, baselines };
}
