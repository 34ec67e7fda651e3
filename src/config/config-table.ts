// README's table of settings, rendered from the schema (through config-fields.ts). `npm run schema` writes it
// between the markers below; a unit test fails when README's copy differs from this output.
import { dump } from 'js-yaml';
import { CONFIG_FIELDS, type FieldDoc } from './config-fields.js';

export const TABLE_START =
  '<!-- config-table: generated from src/config/config-schema.ts by `npm run schema`; do not edit -->';
export const TABLE_END = '<!-- /config-table -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

function defaultCell(field: FieldDoc): string {
  if (field.defaultText !== undefined) return field.defaultText;
  if ('default' in field) return `\`${dump(field.default, { flowLevel: 0, lineWidth: -1 }).trim()}\``;
  return field.required ? 'required' : 'none';
}

/** The markdown table, one row per documented setting, with its markers. */
export function renderConfigTable(fields: readonly FieldDoc[] = CONFIG_FIELDS): string {
  const rows = fields.map((f) => `| \`${f.path}\` | ${cell(f.doc)} | ${cell(defaultCell(f))} |`);
  return [TABLE_START, '| field | meaning | default |', '| --- | --- | --- |', ...rows, TABLE_END].join('\n');
}

/** `readme` with the text between the markers replaced by the current table; throws when a marker is missing. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} section`);
  return readme.slice(0, start) + renderConfigTable() + readme.slice(end + TABLE_END.length);
}
