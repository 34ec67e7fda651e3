// Runs the same Probot app function inside a GitHub Actions step: the workflow's event file is the
// delivery and GITHUB_TOKEN the credentials. (@probot/adapter-github-actions still needs Probot 13.)
// A push to the default branch is delivered as the `pull_request.closed` of the PR it merged
// (src/github/merge-from-push.ts); any other push is nothing for trainbot. recoverInActions runs the
// scheduled recovery instead of an event: one reconcile pass over the workflow's own repository.
import { appendFile, readFile } from 'node:fs/promises';
import { Probot, type ApplicationFunction, type Options } from 'probot';
import type { GitHubPort } from './github-port.js';
import { closedPayloadOf, isPushPayload, mergedPullRequest } from './merge-from-push.js';
import { OctokitGitHub } from './octokit-github.js';

export type ActionsEnv = Readonly<Record<string, string | undefined>>;

/** What recoverInActions hands the recovery: the workflow's own repository, reached with its token. */
export interface WorkflowRepository {
  /** owner/name, from GITHUB_REPOSITORY. */
  repo: string;
  /** The branch the workflow runs on (GITHUB_REF_NAME): a scheduled run's is the default branch. */
  ref: string;
  github: GitHubPort;
  log: { info(message: string): void; warn(message: string): void; error(error: unknown, message: string): void };
  /** Appends markdown to the step's job summary (GITHUB_STEP_SUMMARY); nothing when the runner gave none. */
  summary(markdown: string): Promise<void>;
}

const PUBLIC_API_URL = 'https://api.github.com';
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/**
 * Loads `app` into a Probot authenticated with GITHUB_TOKEN and hands it the event the workflow was
 * started by. Resolves when every handler has finished; rejects with the handlers' errors.
 * `options` lets tests swap the Octokit class or logger.
 */
export async function runInActions(app: ApplicationFunction, env: ActionsEnv, options: Options = {}): Promise<void> {
  const token = required(env, 'GITHUB_TOKEN', 'pass `env: { GITHUB_TOKEN: ${{ github.token }} }` to the step');
  const name = required(env, 'GITHUB_EVENT_NAME', 'run this inside a GitHub Actions job');
  const path = required(env, 'GITHUB_EVENT_PATH', 'run this inside a GitHub Actions job');
  const payload = await readEvent(path);

  const apiUrl = env.GITHUB_API_URL;
  const probot = new Probot({
    githubToken: token,
    // GitHub Enterprise Server runners point GITHUB_API_URL at their own API.
    ...(apiUrl && apiUrl !== PUBLIC_API_URL ? { baseUrl: apiUrl } : {}),
    ...options,
  });
  await probot.load(app);
  const delivery = await asDelivery(probot, name, payload);
  if (!delivery) return;
  await probot.receive({
    // A re-run gets the same run id but a new attempt; together they name this delivery.
    id: `${env.GITHUB_RUN_ID ?? 'local'}.${env.GITHUB_RUN_ATTEMPT ?? '1'}`,
    ...delivery,
  } as Parameters<Probot['receive']>[0]);
}

/**
 * Hands `recover` this workflow's repository (GITHUB_REPOSITORY) through GITHUB_TOKEN, and the branch the
 * workflow runs on; the event itself (a schedule or a dispatch) carries nothing it needs.
 */
export async function recoverInActions(
  recover: (target: WorkflowRepository) => Promise<unknown>,
  env: ActionsEnv,
  options: Options = {},
): Promise<void> {
  const token = required(env, 'GITHUB_TOKEN', 'pass `env: { GITHUB_TOKEN: ${{ github.token }} }` to the step');
  const repository = required(env, 'GITHUB_REPOSITORY', 'run this inside a GitHub Actions job');
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) throw new Error(`GITHUB_REPOSITORY is "${repository}", not owner/name.`);
  const apiUrl = env.GITHUB_API_URL;
  const probot = new Probot({
    githubToken: token,
    ...(apiUrl && apiUrl !== PUBLIC_API_URL ? { baseUrl: apiUrl } : {}),
    // Probot's own default is warn; what the pass did belongs in the job log (LOG_LEVEL changes it).
    logLevel: LOG_LEVELS.find((level) => level === env.LOG_LEVEL) ?? 'info',
    ...options,
  });
  const github = new OctokitGitHub(await probot.auth(), { owner, repo });
  await recover({
    repo: repository,
    ref: required(env, 'GITHUB_REF_NAME', 'run this inside a GitHub Actions job'),
    github,
    log: probot.log,
    summary: async (markdown) => {
      if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
    },
  });
}

async function asDelivery(
  probot: Probot,
  name: string,
  payload: unknown,
): Promise<{ name: string; payload: unknown } | undefined> {
  if (name !== 'push') return { name, payload };
  if (!isPushPayload(payload)) throw new Error('The push event in GITHUB_EVENT_PATH has no ref, after or repository.');
  const octokit = await probot.auth();
  const pr = await mergedPullRequest(octokit.rest.repos, payload);
  if (!pr) {
    probot.log.info(`The push of ${payload.after} to ${payload.ref} merged no pull request; nothing to do.`);
    return undefined;
  }
  return { name: 'pull_request', payload: closedPayloadOf(payload, pr) };
}

function required(env: ActionsEnv, name: string, fix: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set; ${fix}.`);
  return value;
}

async function readEvent(path: string): Promise<unknown> {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`The event file ${path} (GITHUB_EVENT_PATH) cannot be read: ${(error as Error).message}.`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`The event file ${path} (GITHUB_EVENT_PATH) is not JSON: ${(error as Error).message}.`, {
      cause: error,
    });
  }
}
