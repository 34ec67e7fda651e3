// Bundles each actions/<name>/src/main.ts (all but the shared kit) into actions/<name>/dist/index.js, one
// self-contained ESM file per action, byte-for-byte reproducible so CI can tell when a bundle is stale.
// Usage: node scripts/build-actions.mjs [--out-dir DIR]   (DIR/<name>/dist/index.js instead of in place)
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = new Set(['kit']);

// Some dependencies (@actions/http-client, tunnel) are CommonJS and call require(); an ESM bundle has none.
const banner = [
  "import { createRequire as __trainbotCreateRequire } from 'node:module';",
  'const require = __trainbotCreateRequire(import.meta.url);',
].join('\n');

export function actionNames(actionsDir = join(root, 'actions')) {
  return readdirSync(actionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !SHARED.has(d.name) && existsSync(join(actionsDir, d.name, 'src', 'main.ts')))
    .map((d) => d.name)
    .sort();
}

async function bundle(name, outRoot) {
  await build({
    absWorkingDir: root, // keeps the path comments esbuild writes relative, so the output is machine-independent
    entryPoints: [join('actions', name, 'src', 'main.ts')],
    outfile: join(outRoot, name, 'dist', 'index.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    banner: { js: banner },
    charset: 'utf8',
    legalComments: 'eof',
    logLevel: 'warning',
  });
}

function parseArgs(argv) {
  if (argv.length === 0) return join(root, 'actions');
  if (argv.length === 2 && argv[0] === '--out-dir') return resolve(argv[1]);
  throw new Error('usage: node scripts/build-actions.mjs [--out-dir DIR]');
}

const outRoot = parseArgs(process.argv.slice(2));
const names = actionNames();
for (const name of names) {
  await bundle(name, outRoot);
  console.log(`built ${join(outRoot, name, 'dist', 'index.js')}`);
}
if (names.length === 0) console.log('no actions/<name>/src/main.ts found; nothing to build');
