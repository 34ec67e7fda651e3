// README's configuration reference must name every field the validator accepts, and nothing else.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONFIG_FIELDS } from '../../../src/config/config-fields.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## How the pieces fit'));
const documented = new Set([...section.matchAll(/^\| `([a-z_.*]+)`(?: \/ `([a-z_.*]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]]).filter(Boolean));

describe('README configuration reference', () => {
  it.each(CONFIG_FIELDS.map((f) => f.path))('documents `%s`', (path) => {
    expect(documented.has(path)).toBe(true);
  });

  it('documents no field the validator does not know', () => {
    const known = new Set(CONFIG_FIELDS.map((f) => f.path));
    expect([...documented].filter((p) => !known.has(p as string))).toEqual([]);
  });
});
