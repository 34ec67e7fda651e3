import { describe, expect, it } from '@jest/globals';
import { CONFIG_MAX_BYTES, describeConfigErrors, parseConfig } from '../../../src/config/load-config.js';
import { REPO_CONFIG_TEXT, errorsFor, fixtureText } from './repo-config.js';

const F = '`.github/trainbot.yml`';

/** The repository config padded with a trailing comment to exactly `bytes` bytes of UTF-8 (`fill` repeated, after a few `x`s when it does not divide evenly). */
function paddedTo(bytes: number, fill = 'x'): string {
  const head = `${REPO_CONFIG_TEXT}#`;
  const room = bytes - Buffer.byteLength(head, 'utf8') - 1;
  const unit = Buffer.byteLength(fill, 'utf8');
  return `${head}${'x'.repeat(room % unit)}${fill.repeat(Math.floor(room / unit))}\n`;
}

describe('parseConfig: files that are not settings', () => {
  it('refuses text that is not YAML, saying where (line and column) and why', () => {
    expect(errorsFor(fixtureText('not-yaml.yml'))).toEqual([
      `${F} is not valid YAML at line 4, column 8: bad indentation of a mapping entry.`,
    ]);
  });

  it('refuses a YAML list where the mapping of settings belongs', () => {
    expect(errorsFor(fixtureText('list-not-mapping.yml'))).toEqual([
      `${F} must be a YAML mapping of settings (\`experiment: …\`, \`image: …\`, \`params: …\`, \`metrics: …\`).`,
    ]);
  });

  it('refuses an empty file, saying it is empty', () => {
    expect(errorsFor('')).toEqual([`${F} is not valid YAML: expected a document, but the input is empty.`]);
  });

  it('refuses duplicate keys instead of letting the last one win', () => {
    expect(errorsFor(fixtureText('duplicate-keys.yml'))).toEqual([
      `${F} is not valid YAML at line 10, column 1: duplicated mapping key.`,
    ]);
  });

  it('refuses any alias, so a billion-laughs file is never expanded', () => {
    expect(errorsFor(fixtureText('alias-bomb.yml'))).toEqual([
      `${F} is not valid YAML at line 6, column 9: aliases exceeded maxAliases (0).`,
    ]);
  });

  it('refuses nesting deeper than 10 levels', () => {
    expect(errorsFor(fixtureText('deep-nesting.yml'))).toEqual([
      `${F} is not valid YAML at line 14, column 19: nesting exceeded maxDepth (10).`,
    ]);
  });

  it('names the file it was given, e.g. the CLI --config path', () => {
    expect(errorsFor('- a', 'conf/train.yml')[0]).toMatch(/^`conf\/train\.yml` must be a YAML mapping/);
  });
});

describe('parseConfig: size', () => {
  it('refuses a 70 kB file before parsing it', () => {
    expect(errorsFor(paddedTo(70_000))).toEqual([
      `${F} is 70000 bytes; trainbot reads at most 65536. Keep only trainbot's settings in it.`,
    ]);
  });

  it('reads a file of exactly the limit', () => {
    expect(parseConfig(paddedTo(CONFIG_MAX_BYTES)).ok).toBe(true);
  });

  it('counts bytes, not characters: 3-byte characters reach the limit at a third of the length', () => {
    const text = paddedTo(CONFIG_MAX_BYTES + 3 * 1000 + 2, '€');
    expect(text.length).toBeLessThan(CONFIG_MAX_BYTES);
    expect(errorsFor(text)).toEqual([
      `${F} is ${CONFIG_MAX_BYTES + 3002} bytes; trainbot reads at most 65536. Keep only trainbot's settings in it.`,
    ]);
  });
});

describe('describeConfigErrors', () => {
  it('puts a single problem in one sentence', () => {
    expect(describeConfigErrors([`${F}: \`forks\` must be one of refuse, allow, got "yes".`])).toBe(
      `trainbot cannot use its configuration: ${F}: \`forks\` must be one of refuse, allow, got "yes".`,
    );
  });

  it('lists several problems under a sentence naming the file', () => {
    expect(describeConfigErrors(['`a` is wrong.', '`b` is wrong.'], 'conf/train.yml')).toBe(
      'trainbot cannot use its configuration; fix these in `conf/train.yml`:\n- `a` is wrong.\n- `b` is wrong.',
    );
  });
});
