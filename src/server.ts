// Entry for the Probot server (`npm start`): the app from src/index.ts, served by Probot with trainbot's Octokit,
// whose retries and rate-limit waits are set explicitly (src/github/trainbot-octokit.ts). Wiring only.
import { run } from 'probot';
import { githubOptionsFromEnv, trainbotOctokit } from './github/trainbot-octokit.js';
import app from './index.js';

await run(app, { Octokit: trainbotOctokit(githubOptionsFromEnv(process.env)) });
