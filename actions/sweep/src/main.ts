// Entry of the sweep action: inputs → runSweep → job summary, outputs, and a comment on `pr` when given.
import * as core from '@actions/core';
import { Octokit } from '@octokit/rest';
import { failureSentence } from '../../kit/src/errors.js';
import { workspaceRoot } from '../../kit/src/workspace-path.js';
import { KubernetesRunner } from '../../../src/runners/kubernetes/kubernetes-runner.js';
import { LocalRunner } from '../../../src/runners/local/local-runner.js';
import { signingKeyFromEnv, withSigningKey } from '../../../src/runs/run-signature.js';
import { MlflowClient } from '../../../src/tracking/mlflow-client.js';
import { MlflowRunCredentials, withRunCredentials } from '../../../src/tracking/run-credentials.js';
import { readSweepInputs } from './sweep-inputs.js';
import { runSweep, sweepOutputs } from './sweep.js';

async function main(): Promise<void> {
  // 1. Inputs and MLflow (MLFLOW_TRACKING_URI and credentials from the step's env, as MLflow's own client reads them);
  // runs signed with TRAINBOT_SIGNING_KEY when set, as the bot signs them (src/runs/run-signature.ts).
  const inputs = readSweepInputs(
    (name) => core.getInput(name),
    process.env,
    (message) => core.warning(message),
  );
  // Each run gets an MLflow user of its own that may write only its experiment (src/tracking/run-credentials.ts).
  const tracking = withRunCredentials(
    withSigningKey(MlflowClient.fromEnv(process.env), signingKeyFromEnv(process.env)),
    MlflowRunCredentials.fromEnv(process.env, (message) => core.warning(message)),
  );

  // 2. The sweep.
  const result = await runSweep(inputs, {
    workspace: workspaceRoot(),
    env: process.env,
    tracking,
    log: (message) => core.info(message),
    runnerFor: (kind, config, workdir) =>
      kind === 'local'
        ? new LocalRunner({ workdir, env: process.env, onOutput: (name, line) => core.info(`[${name}] ${line}`) })
        : new KubernetesRunner({ namespace: config.namespace }),
  });

  // 3. Summary, outputs, the pull request.
  await core.summary.addRaw(result.markdown, true).write();
  for (const [name, value] of Object.entries(sweepOutputs(result))) core.setOutput(name, value);
  if (inputs.pr !== undefined) {
    const [owner = '', repo = ''] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
    const octokit = new Octokit({
      auth: inputs.token,
      ...(process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {}),
    });
    const runLink = `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${owner}/${repo}/actions/runs/${process.env.GITHUB_RUN_ID ?? ''}`;
    await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: inputs.pr,
      body: `${result.markdown}\n\n_From the [sweep workflow run](${runLink})._`,
    });
  }
  const failed = result.runs.length - result.finished;
  if (result.finished === 0)
    core.setFailed(`None of the ${result.runs.length} runs finished; the job summary says why for each.`);
  else if (failed > 0)
    core.warning(`${failed} of ${result.runs.length} runs did not finish; the job summary says why for each.`);
}

main().catch((err: unknown) => core.setFailed(failureSentence('The sweep', err)));
