// The repository's own `.github/trainbot.yml` as the realistic fixture for config, planning and report
// tests, plus small helpers to derive broken variants of it (an edit that does not apply fails loudly, so
// a changed fixture cannot turn a test into one that checks nothing).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../../src/config/load-config.js';
import type { TrainbotConfig } from '../../../src/config/config-types.js';

export const REPO_CONFIG_TEXT = readFileSync(
  fileURLToPath(new URL('../../../.github/trainbot.yml', import.meta.url)),
  'utf8',
);
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(`${FIXTURES_DIR}${name}`, 'utf8');
}

/** The repository config, validated; throws with the errors when it does not load. */
export function repoConfig(): TrainbotConfig {
  const result = parseConfig(REPO_CONFIG_TEXT);
  if (!result.ok) throw new Error(`.github/trainbot.yml does not load: ${result.errors.join(' ')}`);
  return result.config;
}

/** `text` with the one occurrence of `from` replaced by `to`. */
export function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0)
    throw new Error(`expected exactly one ${JSON.stringify(from)} in the fixture`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The errors parseConfig reports for `text` (an empty list when it loads). */
export function errorsFor(text: string, file?: string): string[] {
  const result = parseConfig(text, file);
  return result.ok ? [] : result.errors;
}
