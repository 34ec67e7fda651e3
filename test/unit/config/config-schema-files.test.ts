// The files generated from the config schema are committed; these tests fail when one is stale, and say how
// to refresh it. They also keep the example configs pointing editors at the schema.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIG_FIELDS } from '../../../src/config/config-fields.js';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from '../../../src/config/config-json-schema.js';
import { TABLE_END, TABLE_START, renderConfigTable, withConfigTable } from '../../../src/config/config-table.js';
import { FIXTURES_DIR } from './repo-config.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const REFRESH = 'stale: run `npm run schema` and commit the result';

describe(`${CONFIG_SCHEMA_FILE}`, () => {
  const committed = read(CONFIG_SCHEMA_FILE);

  it('is what `npm run schema` writes from src/config/config-schema.ts', () => {
    expect(committed === configJsonSchema() ? 'up to date' : REFRESH).toBe('up to date');
  });

  it('is draft-07 JSON Schema that refuses unknown keys and requires the four essentials', () => {
    const schema = JSON.parse(committed) as Record<string, unknown>;
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      required: ['experiment', 'image', 'params', 'metrics'],
    });
  });

  it('documents every setting with a description', () => {
    const schema = JSON.parse(committed) as {
      properties: Record<string, { description?: string; properties?: object }>;
    };
    const topLevel = [...new Set(CONFIG_FIELDS.map((f) => f.path.split('.')[0] as string))];
    expect(Object.keys(schema.properties)).toEqual(topLevel);
    const undocumented = CONFIG_FIELDS.filter((f) => !committed.includes(JSON.stringify(f.doc).slice(1, -1))).map(
      (f) => f.path,
    );
    expect(undocumented).toEqual([]);
  });
});

describe("README's table of settings", () => {
  const readme = read('README.md');

  it('is the table rendered from the schema', () => {
    const start = readme.indexOf(TABLE_START);
    const table = readme.slice(start, readme.indexOf(TABLE_END) + TABLE_END.length);
    expect(start).toBeGreaterThan(0);
    expect(table === renderConfigTable() ? 'up to date' : REFRESH).toBe('up to date');
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('has one row per documented setting', () => {
    const rows = renderConfigTable()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    expect(rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1])).toEqual(CONFIG_FIELDS.map((f) => f.path));
  });

  it('refuses to rewrite a README that lost its markers', () => {
    expect(() => withConfigTable('# trainbot\n')).toThrow(/has no <!-- config-table/);
  });
});

describe('example configs name the schema on their first line, for editors', () => {
  const examples = [
    ['.github/trainbot.yml', '../trainbot.schema.json'],
    ...readdirSync(FIXTURES_DIR)
      .filter((f) => f.endsWith('.yml'))
      .map((f) => [`test/fixtures/config/${f}`, '../../../trainbot.schema.json']),
  ];

  it.each(examples)('%s', (path, relative) => {
    expect(read(path as string).split('\n')[0]).toBe(`# yaml-language-server: $schema=${relative}`);
  });
});
