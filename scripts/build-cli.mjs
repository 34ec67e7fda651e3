// Bundles the CLI (src/cli.ts) into dist/cli-bundle/: one file for what every command loads and one chunk per
// command's own modules (each is an `await import` in src/cli.ts). Node then reads a few files instead of ~140
// (zod alone is 92), which is most of a short command's time (docs/benchmarks.md "CLI start-up").
// Usage: node scripts/build-cli.mjs   (npm run build runs it after tsc)
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli-bundle');

// CommonJS dependencies call require(); an ESM bundle has none.
const banner = [
  "import { createRequire as __trainbotCreateRequire } from 'node:module';",
  'const require = __trainbotCreateRequire(import.meta.url);',
].join('\n');

rmSync(outdir, { recursive: true, force: true }); // no chunk of an older build is left to be loaded
await build({
  absWorkingDir: root,
  entryPoints: [join('src', 'cli.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: banner },
  charset: 'utf8',
  legalComments: 'eof',
  logLevel: 'warning',
});
