// The validated shape of `.github/trainbot.yml`. src/config/schema.ts documents and checks every field;
// code downstream only ever sees this type, with every default filled in.

export type ParamType = 'float' | 'int' | 'string';
export type Permission = 'read' | 'triage' | 'write' | 'maintain' | 'admin';
export type Goal = 'minimize' | 'maximize';
export type Conclusion = 'success' | 'neutral' | 'failure';

export interface ParamConfig {
  type: ParamType;
  default: number | string;
  min?: number;            // inclusive, numbers only
  max?: number;            // inclusive, numbers only
  values?: string[];       // allowed values, strings only
  flag: string;            // the training script's flag, e.g. "--l1-ratio" (derived from the name when omitted)
  description?: string;
}

export interface MetricConfig {
  goal: Goal;
  threshold: number;       // a change smaller than this (absolute) counts as unchanged
  digits: number;          // decimals shown in reports
}

export interface TrainbotConfig {
  experiment: string;
  image: string;           // without tag: the head sha is the tag
  namespace: string;
  command: string[];
  workdir: string;         // where the command runs locally, relative to the repository root
  trackingUri: string;     // the MLflow URL as the training container sees it
  trackingSecret?: { secret: string; tokenKey: string };   // MLFLOW_TRACKING_TOKEN from a Secret
  params: Record<string, ParamConfig>;
  metrics: Record<string, MetricConfig>;
  primaryMetric: string;
  baselineBranch: string;
  limits: {
    maxRuns: number;
    maxParallel: number;
    timeoutMinutes: number;
  };
  job: {
    backoffLimit: number;
    ttlSecondsAfterFinished: number;
    resources: { requests: Record<string, string>; limits: Record<string, string> };
  };
  permission: Permission;  // minimum repository permission to run commands
  forks: 'refuse' | 'allow';
  conclusions: { better: Conclusion; unchanged: Conclusion; worse: Conclusion; noBaseline: Conclusion };
}
