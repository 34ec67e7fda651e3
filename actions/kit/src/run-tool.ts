// Runs a tool's binary directly (no shell, so nothing in an input is ever interpreted) and hands back its
// exit code and output; judging the exit code is the caller's job because linters exit 1 on findings.
import * as core from '@actions/core';
import { getExecOutput } from '@actions/exec';

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunToolOptions {
  cwd?: string;
  /** The action input that points at this binary, named in the error when it cannot be started. */
  pathInput?: string;
  env?: Record<string, string>;
}

export class ToolNotFoundError extends Error {
  override name = 'ToolNotFoundError';
}

export async function runTool(bin: string, args: readonly string[], options: RunToolOptions = {}): Promise<ToolResult> {
  core.info(`Running ${[bin, ...args].join(' ')}`);
  try {
    return await getExecOutput(bin, [...args], {
      cwd: options.cwd,
      env: options.env,
      ignoreReturnCode: true,
      silent: true,
    });
  } catch (err) {
    // @actions/exec only throws when the process cannot start: missing, not executable, or a bad cwd.
    const fix = options.pathInput ? `install it or set the ${options.pathInput} input to its full path` : 'install it';
    throw new ToolNotFoundError(`Could not start ${bin}: it was not found or is not executable; ${fix}.`, {
      cause: err,
    });
  }
}
