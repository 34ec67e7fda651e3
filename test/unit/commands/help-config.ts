// A small, complete config for the help renderer's tests: two numeric params (the grid example's axes)
// and a string param whose description tries to break out of its table cell.
import type { TrainbotConfig } from '../../../src/config/config-types.js';

export function helpConfig(params: TrainbotConfig['params']): TrainbotConfig {
  return {
    experiment: 'wine-quality',
    image: 'ghcr.io/acme/wine-train',
    namespace: 'trainbot',
    command: ['python', 'train.py'],
    workdir: 'training',
    trackingUri: 'http://mlflow.trainbot.svc:5000',
    params,
    metrics: { rmse: { goal: 'minimize', threshold: 0.001, digits: 4 } },
    primaryMetric: 'rmse',
    baselineBranch: 'main',
    trendBaselines: 10,
    limits: { maxRuns: 20, maxParallel: 2, timeoutMinutes: 30 },
    job: { backoffLimit: 0, ttlSecondsAfterFinished: 3600, resources: { requests: {}, limits: {} } },
    permission: 'write',
    forks: 'refuse',
    conclusions: { better: 'success', unchanged: 'success', worse: 'failure', noBaseline: 'neutral' },
    repeats: 1,
    seedParam: 'seed',
    confidence: 0.95,
  };
}
