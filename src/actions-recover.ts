// Entry for the Actions deployment's recovery (.github/workflows/trainbot-recover.yml): every 15 minutes, or from
// the Actions tab, one reconcile pass finishes the requests of this repository whose runner was lost. Wiring only.
import { recoverInActions } from './github/actions-adapter.js';
import { githubOptionsFromEnv, trainbotOctokit } from './github/trainbot-octokit.js';
import { recoverRepository } from './index.js';

try {
  await recoverInActions(recoverRepository, process.env, {
    Octokit: trainbotOctokit(githubOptionsFromEnv(process.env)),
  });
} catch (error) {
  process.stderr.write(`trainbot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
