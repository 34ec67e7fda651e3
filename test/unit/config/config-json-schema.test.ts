// trainbot.schema.json as an editor applies it (Ajv, draft-07, strict but for `type: [number, string]`): it accepts the configs trainbot accepts
// and flags the mistakes trainbot refuses, except the rules that span fields, which only trainbot checks.
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import { CORE_SCHEMA, load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA_FILE } from '../../../src/config/config-json-schema.js';
import { REPO_CONFIG_TEXT as BASE, edit, errorsFor } from './repo-config.js';

const schema = JSON.parse(
  readFileSync(fileURLToPath(new URL(`../../../${CONFIG_SCHEMA_FILE}`, import.meta.url)), 'utf8'),
) as object;
const check = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);
const editorAccepts = (text: string) => check(load(text, { schema: CORE_SCHEMA }));

describe(`${CONFIG_SCHEMA_FILE} in an editor`, () => {
  it("accepts the repository's own .github/trainbot.yml", () => {
    expect(editorAccepts(BASE)).toBe(true);
    expect(check.errors).toBeNull();
  });

  it('points at the misspelt key', () => {
    expect(editorAccepts(edit(BASE, 'max_runs: 20', 'max_run: 20'))).toBe(false);
    expect(check.errors).toContainEqual(
      expect.objectContaining({
        instancePath: '/limits',
        keyword: 'additionalProperties',
        params: { additionalProperty: 'max_run' },
      }),
    );
  });

  // [what, who refuses it, from, to]: each edit is refused by trainbot; the editor refuses it too unless it spans fields.
  const edits: [string, 'both' | 'trainbot only', string, string][] = [
    [
      'an unknown param setting',
      'both',
      '    default: 0.5\n    description: Regularisation',
      '    defualt: 0.5\n    description: Regularisation',
    ],
    ['zero runs per command', 'both', 'max_runs: 20', 'max_runs: 0'],
    ['a fractional timeout', 'both', 'timeout_minutes: 30', 'timeout_minutes: 2.5'],
    ['an unknown permission', 'both', 'permission: write', 'permission: owner'],
    ['YAML true as the fork policy', 'both', 'forks: refuse', 'forks: yes'],
    [
      'an image with a tag and uppercase',
      'both',
      'image: ghcr.io/trainbot-dev/trainbot-training',
      'image: GHCR.io/Acme Train',
    ],
    ['a workdir that climbs out', 'both', 'workdir: training', 'workdir: ../etc'],
    ['an uppercase param name', 'both', '  alpha:\n', '  Alpha:\n'],
    [
      'a metric without a goal',
      'both',
      'mae: {goal: minimize, threshold: 0.001, digits: 4}',
      'mae: {threshold: 0.001}',
    ],
    ['a negative threshold', 'both', 'r2: {goal: maximize, threshold: 0.001', 'r2: {goal: maximize, threshold: -1'],
    ['the command as one string', 'both', 'command: [python, train.py]', 'command: python train.py'],
    ['min greater than max', 'trainbot only', '    min: 0\n    max: 1\n', '    min: 1\n    max: 0\n'],
    [
      'a default outside its own range',
      'trainbot only',
      '    max: 1\n    default: 0.5\n',
      '    max: 1\n    default: 1.5\n',
    ],
    ['a primary metric that is not a metric', 'trainbot only', 'primary_metric: rmse', 'primary_metric: accuracy'],
  ];

  it.each(edits)('%s: refused by %s', (_, who, from, to) => {
    const text = edit(BASE, from, to);
    expect(errorsFor(text)).not.toEqual([]);
    expect(editorAccepts(text)).toBe(who === 'trainbot only');
  });
});
