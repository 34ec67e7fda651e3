// Entry for the Probot server (`npm start`, and the container's, see Dockerfile): the app from src/index.ts,
// served by Probot with trainbot's Octokit, whose retries and rate-limit waits are set explicitly
// (src/github/trainbot-octokit.ts), and stopped on SIGTERM. Node running as PID 1 ignores SIGTERM unless it has a
// handler, and `probot run` installs none, so without this every pod stop or rollout waited out the whole grace
// period and ended in SIGKILL. Wiring only.
import { run } from 'probot';
import { githubOptionsFromEnv, trainbotOctokit } from './github/trainbot-octokit.js';
import app from './index.js';

const server = await run(app, { Octokit: trainbotOctokit(githubOptionsFromEnv(process.env)) });
process.once('SIGTERM', () => {
  void server.stop().finally(() => process.exit(0));
});
