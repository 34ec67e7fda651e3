// Writes trainbot.schema.json and README's table of settings from src/config/config-schema.ts (`npm run schema`).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from '../src/config/config-json-schema.js';
import { withConfigTable } from '../src/config/config-table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(join(root, CONFIG_SCHEMA_FILE), configJsonSchema());
const readme = join(root, 'README.md');
writeFileSync(readme, withConfigTable(readFileSync(readme, 'utf8')));
console.log(`wrote ${CONFIG_SCHEMA_FILE} and README.md's table of settings`);
