// Entry for the GitHub Actions deployment (.github/workflows/trainbot.yml): the same app function as the
// Probot server, handed the workflow's event and token. Wiring only.
import { runInActions } from './github/actions-adapter.js';
import { githubOptionsFromEnv, trainbotOctokit } from './github/trainbot-octokit.js';
import app from './index.js';

try {
  await runInActions(app, process.env, { Octokit: trainbotOctokit(githubOptionsFromEnv(process.env)) });
} catch (error) {
  process.stderr.write(`trainbot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
