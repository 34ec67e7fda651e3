// What every action.yml in actions/ promises its users: an author, Marketplace branding, and kebab-case
// input and output names. A former name may stay for one release when its description says which name
// replaced it, and the replacement exists.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

const ACTIONS = join(import.meta.dirname, '..', '..', 'actions');
// The colours GitHub's action metadata syntax allows for branding.
const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const DEPRECATED = /^Deprecated name of `([a-z0-9-]+)`/;

type Field = { description?: string };
type Action = {
  author?: unknown;
  branding?: { icon?: unknown; color?: unknown };
  inputs?: Record<string, Field>;
  outputs?: Record<string, Field>;
};

const actions = readdirSync(ACTIONS)
  .filter((name) => existsSync(join(ACTIONS, name, 'action.yml')))
  .map((name) => [name, load(readFileSync(join(ACTIONS, name, 'action.yml'), 'utf8')) as Action] as const);

/** Names that are neither kebab-case nor a documented former name of an existing kebab-case one. */
function badNames(fields: Record<string, Field> = {}): string[] {
  return Object.entries(fields)
    .filter(([name, field]) => {
      if (KEBAB.test(name)) return false;
      const replacement = DEPRECATED.exec(field.description ?? '')?.[1];
      return !(replacement && replacement in fields && replacement.replace(/-/g, '_') === name);
    })
    .map(([name]) => name);
}

describe('action.yml metadata', () => {
  it('finds the six actions', () => {
    expect(actions.map(([name]) => name).sort()).toEqual([
      'authorize',
      'image-push',
      'image-scan',
      'lint',
      'secret-scan',
      'sweep',
    ]);
  });

  it.each(actions)('%s names its author and has branding GitHub accepts', (_name, action) => {
    expect(action.author).toBe('trainbot contributors');
    expect(typeof action.branding?.icon).toBe('string');
    expect(COLORS).toContain(action.branding?.color);
  });

  it.each(actions)(
    '%s uses kebab-case input and output names, old names only as documented deprecations',
    (_name, action) => {
      expect(badNames(action.inputs)).toEqual([]);
      expect(badNames(action.outputs)).toEqual([]);
    },
  );

  it('flags a snake_case name unless it is the documented former name of its kebab-case twin', () => {
    expect(badNames({ max_parallel: { description: 'x' } })).toEqual(['max_parallel']);
    expect(badNames({ max_parallel: { description: 'Deprecated name of `max-parallel`.' } })).toEqual(['max_parallel']);
    expect(
      badNames({ 'max-parallel': {}, max_parallel: { description: 'Deprecated name of `max-parallel`.' } }),
    ).toEqual([]);
  });
});
