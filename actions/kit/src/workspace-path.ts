// Resolves a path input against the workspace and refuses anything that escapes it, so an input such as
// `../../etc`, an absolute path or a symlink cannot point a tool at files outside the repository.
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { InputError } from './errors.js';

/** The runner's workspace, or the current directory when run by hand. */
export function workspaceRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.GITHUB_WORKSPACE || process.cwd());
}

const real = (path: string): string => (existsSync(path) ? realpathSync(path) : path);

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return !(rel === '..' || rel.startsWith('../') || isAbsolute(rel));
}

/** An absolute path inside `workspace` for the `input` named `inputName`; throws an InputError otherwise. */
export function resolveInWorkspace(workspace: string, input: string, inputName: string): string {
  const root = resolve(workspace);
  const target = resolve(root, input.trim() || '.');
  if (!isInside(root, target) || !isInside(real(root), real(target))) {
    throw new InputError(
      `The ${inputName} input "${input}" is outside the workspace ${root}; give a path inside the repository.`,
    );
  }
  return target;
}

/** Workspace-relative path with forward slashes, the form annotations and SARIF use. */
export function toWorkspaceRelative(workspace: string, file: string): string {
  return relative(resolve(workspace), resolve(workspace, file)).split('\\').join('/');
}
