#!/usr/bin/env node
// The `trainbot` command: runs the compiled CLI (npm run build) and turns its errors into exit codes.
import { main, UsageError } from '../dist/cli.js';

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`trainbot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
