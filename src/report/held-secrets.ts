// The secret values trainbot holds in its environment, so that a log tail can hide them exactly
// (src/report/redact-log.ts). Pure: reads the env it is given.
import { isSensitiveKey } from './sensitive-key.js';
import { MIN_SECRET_CHARS } from './secret-needles.js';

/**
 * What the bot, the CLI and the sweep action hold, by name: MLflow's token or password (a LocalRunner hands
 * the token to its child as is), the run-signing key, the workflow's GitHub token (Actions mode; INPUT_*
 * is how @actions/core passes an action's `github-token` input), and the GitHub App's key and webhook secret.
 */
export const HELD_SECRET_ENV: readonly string[] = [
  'MLFLOW_TRACKING_TOKEN',
  'MLFLOW_TRACKING_PASSWORD',
  'TRAINBOT_SIGNING_KEY',
  'GITHUB_TOKEN',
  'INPUT_GITHUB-TOKEN',
  'PRIVATE_KEY',
  'WEBHOOK_SECRET',
  'GITHUB_CLIENT_SECRET',
];
/** Values of other credential-named variables shorter than this are left out: `1`, `true`, a short path. */
const MIN_OTHER_CHARS = 8;

/** The values to hide: the variables above, and any other whose name says credential (`AWS_SECRET_ACCESS_KEY`). */
export function heldSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  const values = new Set<string>();
  for (const [name, raw] of Object.entries(env)) {
    const value = raw?.trim();
    if (!value) continue;
    const named = HELD_SECRET_ENV.includes(name);
    if (named ? value.length >= MIN_SECRET_CHARS : value.length >= MIN_OTHER_CHARS && isSensitiveKey(name))
      values.add(value);
  }
  return [...values];
}
