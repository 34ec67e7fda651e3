// Who may start work from a comment. Runs before anything is dispatched and fails closed: when GitHub
// cannot tell us the commenter's permission, the answer is no.
import type { TrainbotConfig } from '../config/config-types.js';
import { GitHubError, type GitHubPort, type PullRequestInfo } from '../github/github-port.js';
import { meetsMinimum } from './permission-level.js';

/** Refused with a sentence the caller posts as the answer. Bots never get this far: isBot filters them first. */
export type Authorization = { allowed: true } | { allowed: false; reason: string };

export interface AuthorizeInput {
  github: Pick<GitHubPort, 'permission'>;
  commenter: string;
  pr: Pick<PullRequestInfo, 'isFork' | 'headRepoFullName'>;
  config: Pick<TrainbotConfig, 'permission' | 'forks'>;
}

/** Comments by bots (trainbot included) get no answer at all, so two bots never talk in a loop. */
export function isBot(login: string, type: string): boolean {
  return type === 'Bot' || login.endsWith('[bot]');
}

export async function authorize({ github, commenter, pr, config }: AuthorizeInput): Promise<Authorization> {
  if (pr.isFork && config.forks !== 'allow') {
    const origin = pr.headRepoFullName ? `the fork ${pr.headRepoFullName}` : 'a fork that was deleted';
    return {
      allowed: false,
      reason:
        `This pull request comes from ${origin}, and trainbot does not run fork code next to the cluster's ` +
        'credentials; push the branch to this repository, or set `forks: allow` in .github/trainbot.yml to accept the risk.',
    };
  }
  let actual;
  try {
    actual = await github.permission(commenter);
  } catch (error) {
    return {
      allowed: false,
      reason: `@${commenter}'s permission on this repository could not be checked (${lookupFailure(error)}), so nothing was started; try the command again later.`,
    };
  }
  if (!meetsMinimum(actual, config.permission)) {
    const has =
      actual === 'none' ? 'has no access to this repository' : `has \`${actual}\` permission on this repository`;
    return {
      allowed: false,
      reason: `@${commenter} ${has}, but trainbot commands need at least \`${config.permission}\`; ask a maintainer to run it or to raise your permission.`,
    };
  }
  return { allowed: true };
}

function lookupFailure(error: unknown): string {
  if (!(error instanceof GitHubError)) return 'an unexpected error';
  return error.status === undefined ? 'GitHub could not be reached' : `GitHub answered HTTP ${error.status}`;
}
