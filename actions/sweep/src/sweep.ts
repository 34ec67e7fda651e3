// One workflow_dispatch sweep: config from the checkout → the bot's own planner (so the form accepts exactly
// what a `/train` comment accepts) → the same Runner and pipeline as the bot → the ranked table, outputs and
// an optional pull-request comment. I/O comes in through `SweepDeps`, so tests can see every step.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { InputError } from '../../kit/src/errors.js';
import { resolveInWorkspace } from '../../kit/src/workspace-path.js';
import { describeConfigErrors, parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';
import type { RunResult } from '../../../src/report/compare.js';
import { rankRuns } from '../../../src/report/compare.js';
import { planRequest } from '../../../src/pipeline/plan-request.js';
import { NO_BASELINE_HINT_OFF_PR, runRequest } from '../../../src/pipeline/run-request.js';
import type { Tracking } from '../../../src/tracking/tracking.js';
import { heldSecrets } from '../../../src/report/held-secrets.js';
import type { Runner } from '../../../src/runners/runner.js';
import type { SweepInputs } from './sweep-inputs.js';

export interface SweepDeps {
  workspace: string;
  env: Readonly<Record<string, string | undefined>>;
  tracking: Tracking & { url: string };
  runnerFor: (kind: SweepInputs['runner'], config: TrainbotConfig, workdir: string) => Runner;
  log: (message: string) => void;
}

export interface SweepResult {
  markdown: string;
  runs: RunResult[]; // best first
  best?: RunResult;
  finished: number;
}

function loadConfig(workspace: string, path: string): TrainbotConfig {
  const file = resolveInWorkspace(workspace, path, 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(
      `There is no trainbot config at ${path} in the checked-out ref; add it or point the config input at it.`,
    );
  }
  const loaded = parseConfig(text, path);
  if (!loaded.ok) throw new InputError(describeConfigErrors(loaded.errors, path));
  return loaded.config;
}

/** The commit the checkout holds; GITHUB_SHA is the dispatching commit, which differs when `ref` is another branch. */
function headSha(workspace: string, env: SweepDeps['env']): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: workspace,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    if (env.GITHUB_SHA) return env.GITHUB_SHA;
    throw new InputError(
      'The workspace is not a git checkout and GITHUB_SHA is not set; check out the ref before this step.',
    );
  }
}

export async function runSweep(inputs: SweepInputs, deps: SweepDeps): Promise<SweepResult> {
  // 1. Everything is checked before MLflow or a runner is touched.
  const config = loadConfig(deps.workspace, inputs.configPath);
  const planned = planRequest(inputs.command, config);
  if ('reply' in planned) throw new InputError(planned.reply);
  if (inputs.maxParallel !== undefined && inputs.maxParallel > config.limits.maxParallel) {
    throw new InputError(
      `The max-parallel input is ${inputs.maxParallel}, but ${inputs.configPath} allows at most ${config.limits.maxParallel} (limits.max_parallel); lower it.`,
    );
  }
  const repo = deps.env.GITHUB_REPOSITORY;
  if (!repo) throw new InputError('GITHUB_REPOSITORY is not set; run this action inside a GitHub Actions job.');
  const workdir = resolveInWorkspace(deps.workspace, inputs.workdir || config.workdir, 'workdir');
  // A local process reaches MLflow the way this step does, not by the in-cluster name in the config.
  const runConfig = inputs.runner === 'local' ? { ...config, trackingUri: deps.tracking.url } : config;

  // 2. The same pipeline as the bot and the CLI.
  const uiUrl = (deps.env.MLFLOW_UI_URL || deps.tracking.url).replace(/\/+$/, '');
  const outcome = await runRequest({
    plans: planned.runs,
    config: runConfig,
    tracking: deps.tracking,
    runner: deps.runnerFor(inputs.runner, runConfig, workdir),
    missingBaseline: 'compare-without',
    noBaselineHint: NO_BASELINE_HINT_OFF_PR,
    origin: {
      repo,
      sha: headSha(deps.workspace, deps.env),
      branch: inputs.ref || 'unknown',
      request: `dispatch-${deps.env.GITHUB_RUN_ID ?? 'local'}-${deps.env.GITHUB_RUN_ATTEMPT ?? '1'}`,
      ...(inputs.pr !== undefined ? { pr: inputs.pr } : {}),
    },
    runUrl: (experimentId, runId) => `${uiUrl}/#/experiments/${experimentId}/runs/${runId}`,
    maxParallel: inputs.maxParallel,
    onProgress: deps.log,
    onChange: (runs) =>
      deps.log(`${runs.filter((r) => r.state === 'finished').length} of ${runs.length} runs finished`),
    secrets: [...heldSecrets(deps.env), inputs.token],
  });
  const runs = rankRuns(outcome.runs, config);
  for (const run of outcome.runs.filter((r) => r.logTail)) deps.log(`Last lines of ${run.name}:\n${run.logTail}`);
  return {
    markdown: outcome.markdown,
    runs,
    ...(outcome.best?.state === 'finished' ? { best: outcome.best } : {}),
    finished: runs.filter((r) => r.state === 'finished').length,
  };
}

/** results-json: what a later step needs, without the log tails. */
export function resultsJson(runs: readonly RunResult[]): string {
  return JSON.stringify(
    runs.map((r) => ({
      name: r.name,
      runId: r.runId ?? null,
      params: r.params,
      state: r.state,
      reason: r.reason ?? null,
      metrics: r.metrics,
    })),
  );
}

/**
 * The step's outputs by their kebab-case names, and for one release also by their former snake_case names
 * (best_run_id, best_params, results_json), so a workflow reading those keeps working while it moves.
 */
export function sweepOutputs(result: Pick<SweepResult, 'runs' | 'best'>): Record<string, string> {
  const outputs: Record<string, string> = {
    'best-run-id': result.best?.runId ?? '',
    'best-params': result.best ? JSON.stringify(result.best.params) : '',
    'results-json': resultsJson(result.runs),
  };
  for (const [name, value] of Object.entries(outputs)) outputs[name.replace(/-/g, '_')] = value;
  return outputs;
}
