// Runs an action through its real entry point as a child process, the way the runner does: inputs as
// INPUT_* variables, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT as files; then parses what it left behind.
// By default it runs actions/<name>/src/main.ts with tsx so tests see the current source; set
// TRAINBOT_ACTION_ENTRY=dist to run the committed bundles instead.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Everything the action wrote to $GITHUB_STEP_SUMMARY. */
  summary: string;
  outputs: Record<string, string>;
  /** `::command k=v,…::message` lines from stdout, unescaped. */
  commands: WorkflowCommand[];
}

export interface RunActionOptions {
  /** Input names as in action.yml; turned into INPUT_<NAME> exactly as the runner does. */
  inputs?: Record<string, string>;
  workspace: string;
  /** Extra environment, e.g. GITHUB_EVENT_NAME; nothing else from the test's environment leaks in but PATH and HOME. */
  env?: Record<string, string>;
  entry?: 'src' | 'dist';
  timeoutMs?: number;
}

export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

const unescapeData = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string): string => unescapeData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));

export function parseCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([\w-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ command: match[1] ?? '', properties, message: unescapeData(match[3] ?? '') });
  }
  return commands;
}

/** Parses the `name<<delimiter` blocks @actions/core appends to $GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const end = lines.indexOf(match[2] ?? '', i + 1);
    if (end < 0) throw new Error(`output ${match[1]} has no closing delimiter`);
    outputs[match[1] ?? ''] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

function entryArgs(name: string, entry: 'src' | 'dist'): string[] {
  if (entry === 'dist') return [join(REPO_ROOT, 'actions', name, 'dist', 'index.js')];
  // tsx is resolved from the repository: a bare `--import tsx` would be looked up from the workspace (the cwd).
  const tsx = pathToFileURL(createRequire(join(REPO_ROOT, 'package.json')).resolve('tsx')).href;
  return ['--import', tsx, join(REPO_ROOT, 'actions', name, 'src', 'main.ts')];
}

export async function runAction(name: string, options: RunActionOptions): Promise<ActionRun> {
  const files = await mkdtemp(join(tmpdir(), `run-action-${name}-`));
  const summaryPath = join(files, 'summary.md');
  const outputPath = join(files, 'output.txt');
  await writeFile(summaryPath, '');
  await writeFile(outputPath, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? files,
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_OUTPUT: outputPath,
    RUNNER_TEMP: files,
    ...options.env,
  };
  for (const [key, value] of Object.entries(options.inputs ?? {})) env[inputEnvName(key)] = value;
  const entry = options.entry ?? (process.env.TRAINBOT_ACTION_ENTRY === 'dist' ? 'dist' : 'src');
  try {
    const { exitCode, stdout, stderr } = await spawnNode(entryArgs(name, entry), {
      cwd: options.workspace,
      env,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    return {
      exitCode,
      stdout,
      stderr,
      summary: await readFile(summaryPath, 'utf8'),
      outputs: parseOutputFile(await readFile(outputPath, 'utf8')),
      commands: parseCommands(stdout),
    };
  } finally {
    await rm(files, { recursive: true, force: true });
  }
}

function spawnNode(
  args: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: opts.cwd, env: opts.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`action was killed by ${signal} after ${opts.timeoutMs} ms; stderr: ${stderr}`));
      else resolvePromise({ exitCode: code ?? 1, stdout, stderr });
    });
  });
}
