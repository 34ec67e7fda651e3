// `registry:` in `.github/trainbot.yml` (issue 13 point 3): off unless a model is named, and a name or alias
// MLflow's registry would refuse gets one sentence at config time, so a merge never starts a registration that
// can only fail.
import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../../src/config/load-config.js';
import { REPO_CONFIG_TEXT as BASE, errorsFor } from './repo-config.js';

const F = '`.github/trainbot.yml`';
const withRegistry = (yaml: string) => `${BASE}registry: ${yaml}\n`;
const NAME_RULE =
  'must be a registered-model name MLflow accepts: letters, digits, spaces, `.`, `_` or `-`, starting with a letter or digit, at most 256 characters (no `/` or `:`)';
const ALIAS_RULE = 'must be an alias MLflow accepts: letters, digits, `_` or `-` (not `latest`, not `v` and a number)';

describe('registry config', () => {
  it('is off when the file names no registry', () => {
    const loaded = parseConfig(BASE);
    expect(loaded.ok && loaded.config.registry).toBeUndefined();
  });

  it('takes a model name, with the alias `champion` and the logged model `model` by default', () => {
    const loaded = parseConfig(withRegistry('{model: "Wine quality.v2"}'));
    expect(loaded.ok && loaded.config.registry).toEqual({
      model: 'Wine quality.v2',
      alias: 'champion',
      loggedModel: 'model',
    });
  });

  it('takes a configured alias and logged model', () => {
    const loaded = parseConfig(withRegistry('{model: wine, alias: prod-1, logged_model: elasticnet}'));
    expect(loaded.ok && loaded.config.registry).toEqual({ model: 'wine', alias: 'prod-1', loggedModel: 'elasticnet' });
  });

  it.each([
    ['a slash', '"team/wine"', '"team/wine"'],
    ['a colon', '"wine:prod"', '"wine:prod"'],
    ['a dot-dot path', '".."', '"\\.\\."'],
    ['blanks', '"   "', '"   "'],
    ['a trailing space', '"wine "', '"wine "'],
    ['over 256 characters', `"${'w'.repeat(257)}"`, `"${'w'.repeat(40)}…"`],
  ])('refuses a model name with %s, in one sentence', (_, value, shown) => {
    const errors = errorsFor(withRegistry(`{model: ${value}}`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^${F}: \`registry\\.model\` ${esc(NAME_RULE)}, got ${shown}`));
  });

  it('asks for the model when `registry` names none', () => {
    expect(errorsFor(withRegistry('{alias: champion}'))).toEqual([
      `${F}: \`registry.model\` is required: ${NAME_RULE.replace(/^must be /, '')}.`,
    ]);
  });

  it.each(['latest', 'LATEST', 'v3', 'V12', 'two words', 'a/b', ''])(
    'refuses the alias %j, which MLflow keeps or refuses',
    (alias) => {
      const errors = errorsFor(withRegistry(`{model: wine, alias: "${alias}"}`));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^${F}: \`registry\\.alias\` ${esc(ALIAS_RULE)}, got `));
    },
  );
});

function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\`]/g, '\\$&');
}
