// Where runs live in MLflow, by role (DESIGN.md "Security model"): candidates in the configured experiment,
// baselines in a second one beside it. Two experiments, because MLflow's basic-auth app grants rights per
// experiment: a training Job's own user may write candidates and nothing where baselines are read from.
import type { TrainbotConfig } from '../config/config-types.js';
import type { RunRole } from '../runs/run-contract.js';

export const BASELINES_SUFFIX = '/baselines';

/** `wine` for candidates, `wine/baselines` for baselines. Pure. */
export function experimentName(config: Pick<TrainbotConfig, 'experiment'>, role: RunRole): string {
  return role === 'baseline' ? `${config.experiment}${BASELINES_SUFFIX}` : config.experiment;
}
