// `.github/trainbot.yml` text → a validated config, or sentences naming the file, the field and the fix.
// The text comes from the repository being served (GitHub contents API or the local checkout), so it is
// treated as hostile: size-capped, no aliases (they can multiply a small file into a huge value), depth-capped.
import { CORE_SCHEMA, load, YAMLException } from 'js-yaml';
import { quoteInput } from '../report/markdown-escape.js';
import { validateConfig, type ConfigResult } from './validate-config.js';

import { CONFIG_PATH } from './config-path.js';

export { CONFIG_PATH };
export const CONFIG_MAX_BYTES = 64 * 1024;

export function parseConfig(text: string, file: string = CONFIG_PATH): ConfigResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > CONFIG_MAX_BYTES) {
    return {
      ok: false,
      errors: [
        `\`${file}\` is ${bytes} bytes; trainbot reads at most ${CONFIG_MAX_BYTES}. Keep only trainbot's settings in it.`,
      ],
    };
  }
  let raw: unknown;
  try {
    raw = load(text, { schema: CORE_SCHEMA, maxAliases: 0, maxDepth: 10, filename: file });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const where = error.mark ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}` : '';
    return { ok: false, errors: [`\`${file}\` is not valid YAML${where}: ${quoteInput(error.reason, 120)}.`] };
  }
  return validateConfig(raw, file);
}

/** One message for a PR comment or the CLI: the problems as a list under a sentence saying what happened. */
export function describeConfigErrors(errors: readonly string[], file: string = CONFIG_PATH): string {
  if (errors.length === 1) return `trainbot cannot use its configuration: ${errors[0]}`;
  return [`trainbot cannot use its configuration; fix these in \`${file}\`:`, ...errors.map((e) => `- ${e}`)].join(
    '\n',
  );
}
