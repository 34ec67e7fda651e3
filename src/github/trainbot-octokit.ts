// The Octokit class the deployed bot uses (Probot server and Actions): Probot's own, with its bundled
// @octokit/plugin-retry and @octokit/plugin-throttling set explicitly. Probot's defaults leave a secondary rate
// limit (403 + retry-after) unretried, so a comment or check update in that moment was lost.
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';
import { concurrencyFromEnv } from '../tracking/concurrency-limit.js';

export interface GitHubRetryOptions {
  /** Extra attempts after a 5xx or a failed connection (plugin-retry); waits 1, 4, 9 … × retryBaseMs. */
  retries: number;
  /** Extra attempts after a rate limit, primary or secondary (plugin-throttling). */
  rateLimitRetries: number;
  /** A rate limit that asks for a longer wait than this is not waited for: the call fails. */
  maxRetryAfterSeconds: number;
  /** One "second" of waiting, in ms: GitHub's retry-after and plugin-retry's steps are multiplied by it (tests shrink it). */
  retryBaseMs: number;
  /**
   * Requests to GitHub in flight at once from this process, over all installations; the rest queue. Writes are
   * further kept one at a time, 1 s apart (plugin-throttling's pacing, as GitHub asks of integrations).
   */
  maxConcurrent: number;
}

/**
 * What ships: a 5xx is tried 4 times in all, after 1 s, 4 s and 9 s (14 s at most); a rate limit 3 times in all,
 * each wait as GitHub's retry-after asks and at most 60 s (120 s at most); 10 requests in flight at once
 * (TRAINBOT_GITHUB_CONCURRENCY).
 */
export const GITHUB_RETRY: GitHubRetryOptions = {
  retries: 3,
  rateLimitRetries: 2,
  maxRetryAfterSeconds: 60,
  retryBaseMs: 1000,
  maxConcurrent: 10,
};

// plugin-retry's own list: a 4xx other than these (408, 409 …) may pass; 403 is left to plugin-throttling,
// which tells a rate limit from a refusal.
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 451];

type RateLimitHandler = (
  retryAfter: number,
  options: { method: string; url: string },
  octokit: { log: { warn(message: string): void } },
  retryCount: number,
) => boolean;

export function trainbotOctokit(
  options: Partial<GitHubRetryOptions> = {},
  Base: typeof ProbotOctokit = ProbotOctokit,
): typeof ProbotOctokit {
  const o = { ...GITHUB_RETRY, ...options };
  // One queue for every Octokit of this class (each webhook delivery gets its own Octokit).
  const global = new Bottleneck.Group({ maxConcurrent: o.maxConcurrent });
  const onLimit =
    (kind: string): RateLimitHandler =>
    (retryAfter, request, octokit, retryCount) => {
      const retry = retryCount < o.rateLimitRetries && retryAfter <= o.maxRetryAfterSeconds;
      octokit.log.warn(
        `GitHub's ${kind} rate limit on ${request.method} ${request.url}: ${retry ? `retrying in ${retryAfter} s` : 'giving up'} (retry ${retryCount + 1} of at most ${o.rateLimitRetries}).`,
      );
      return retry;
    };
  // A defaults function, not an object: Probot builds its Octokit over this class and would otherwise put its own
  // throttle handlers back (src/index.ts, src/actions-main.ts pass this class to Probot).
  return Base.defaults((instance: Record<string, unknown>) => ({
    ...instance,
    retry: { enabled: true, retries: o.retries, doNotRetry: DO_NOT_RETRY, retryAfterBaseValue: o.retryBaseMs },
    throttle: {
      ...(instance.throttle as object | undefined),
      enabled: true,
      retryAfterBaseValue: o.retryBaseMs,
      global,
      onSecondaryRateLimit: onLimit('secondary'),
      onRateLimit: onLimit('primary'),
    },
  })) as typeof ProbotOctokit;
}

/** TRAINBOT_GITHUB_CONCURRENCY, when set, replaces the shipped cap on requests in flight. */
export function githubOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<GitHubRetryOptions> {
  return { maxConcurrent: concurrencyFromEnv(env, 'TRAINBOT_GITHUB_CONCURRENCY', GITHUB_RETRY.maxConcurrent) };
}
