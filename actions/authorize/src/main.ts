// Entry of the authorize action: the workflow's event → authorizeEvent → outputs `allowed` and `pr`, the bot's
// sentence on the pull request when it would answer, and a failed step when GitHub could not tell.
import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { Octokit } from '@octokit/rest';
import type { ProbotOctokit } from 'probot';
import { failureSentence } from '../../kit/src/errors.js';
import { OctokitGitHub } from '../../../src/github/octokit-github.js';
import { authorizeEvent } from './authorize-event.js';

async function main(): Promise<void> {
  // 1. The event and a client for this repository, with the token the workflow hands the action.
  const payload: unknown = JSON.parse(await readFile(process.env.GITHUB_EVENT_PATH ?? '', 'utf8'));
  const [owner = '', repo = ''] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  const apiUrl = process.env.GITHUB_API_URL;
  const octokit = new Octokit({
    auth: core.getInput('github-token', { required: true }),
    ...(apiUrl ? { baseUrl: apiUrl } : {}),
  });
  // The adapter is written against Probot's Octokit; the plain one has the same `rest` methods it calls.
  const github = new OctokitGitHub(octokit as unknown as ProbotOctokit, { owner, repo });

  // 2. The bot's decision.
  const decision = await authorizeEvent(process.env.GITHUB_EVENT_NAME ?? '', payload, {
    github,
    repos: octokit.rest.repos,
  });
  core.info(decision.reason);

  // 3. Its answer where the bot would give one, then the outputs the gated job reads.
  if (decision.answer !== undefined && decision.pr !== undefined)
    await github.createComment(decision.pr, decision.answer);
  core.setOutput('allowed', String(decision.allowed));
  core.setOutput('pr', decision.pr === undefined ? '' : String(decision.pr));
  if (decision.failed) core.setFailed(decision.answer ?? decision.reason);
}

main().catch((err: unknown) => {
  core.setOutput('allowed', 'false');
  core.setFailed(failureSentence('The trainbot authorize gate', err));
});
