#!/usr/bin/env node
// The `trainbot` command: runs the compiled CLI (npm run build) and turns its errors into exit codes.
import { existsSync } from 'node:fs';
import module from 'node:module';

// The bundle (scripts/build-cli.mjs) loads in a few files; dist/cli.js (tsc alone) still works, only slower.
const bundleUrl = new URL('../dist/cli-bundle/cli.js', import.meta.url);
const cliUrl = existsSync(bundleUrl) ? bundleUrl : new URL('../dist/cli.js', import.meta.url);
// A static import of a missing dist/ would print Node's ERR_MODULE_NOT_FOUND stack instead of the fix.
if (!existsSync(cliUrl)) {
  process.stderr.write('trainbot: the CLI is not built yet; run `npm run build` in the trainbot repository first.\n');
  process.exit(1);
}
// Node keeps the compiled code of the CLI's files (in the OS temp folder) for the next start.
module.enableCompileCache?.();
const { main, UsageError } = await import(cliUrl.href);

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`trainbot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
