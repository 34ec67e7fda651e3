// LocalRunner: a run as a child process on this machine, for `trainbot run` and the sweep action on a
// runner without a cluster. It gives the process exactly what a Job's container gets — the command, the
// flag args (no shell), the contract env — plus PATH and HOME so `python` resolves the way it does in an
// image. Secret references are read from this process's environment under the same variable name.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { type JobSpec, LOCAL_PROCESS, type RunHandle, type RunOutcome, type Runner, RunnerError } from '../runner.js';
import { claimInProcess, releaseInProcess } from '../in-process-claims.js';

const KEPT_LINES = 2000;
/**
 * The longest line kept, in characters; the rest of a longer one is dropped and the line marked with `…`.
 * A child that prints without newlines would otherwise grow the bot's memory without bound. It is twice
 * what redaction reads of a line (LINE_CAP in src/report/redact-log.ts), so a report never misses a part.
 */
export const MAX_LINE_CHARS = 8192;

interface LocalRun {
  spec: JobSpec;
  child: ChildProcess;
  lines: string[];
  outcome: Promise<RunOutcome>;
  done: boolean;
  cancelled: boolean;
}

export interface LocalRunnerOptions {
  workdir: string; // the image's working directory, i.e. the training folder
  env?: NodeJS.ProcessEnv; // where PATH, HOME and secret values come from
  onOutput?: (name: string, line: string) => void;
}

/** The line being read from one stream: its first MAX_LINE_CHARS characters, and whether there were more. */
interface PartialLine {
  text: string;
  cut: boolean;
}

/** The partial line as a whole line (marked when cut), and the buffer emptied for the next one. */
function takeLine(partial: PartialLine): string {
  const line = partial.cut ? `${partial.text}…` : partial.text;
  partial.text = '';
  partial.cut = false;
  return line;
}

/** Keeps the last KEPT_LINES lines of a stream, each at most MAX_LINE_CHARS: logs are for the tail a report shows. */
function collectLines(
  run: LocalRun,
  name: string,
  chunk: string,
  partial: PartialLine,
  onOutput?: LocalRunnerOptions['onOutput'],
): void {
  for (let start = 0; ;) {
    const newline = chunk.indexOf('\n', start);
    const end = newline === -1 ? chunk.length : newline;
    const room = MAX_LINE_CHARS - partial.text.length;
    if (partial.cut) {
      // The rest of an overlong line: dropped unread.
    } else if (end - start <= room) {
      partial.text += chunk.slice(start, end);
    } else {
      const keep = isHighSurrogate(chunk.charCodeAt(start + room - 1)) ? room - 1 : room;
      partial.text += chunk.slice(start, start + keep);
      partial.cut = true;
    }
    if (newline === -1) break;
    const line = takeLine(partial);
    run.lines.push(line);
    onOutput?.(name, line);
    start = newline + 1;
  }
  if (run.lines.length > KEPT_LINES) run.lines.splice(0, run.lines.length - KEPT_LINES);
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** "30 minute", or "45 second" for a limit that is not whole minutes (rounding it would say "0 minute"). */
function limitText(seconds: number): string {
  return seconds >= 60 && seconds % 60 === 0 ? `${seconds / 60} minute` : `${seconds} second`;
}

export class LocalRunner implements Runner {
  private readonly runs = new Map<string, LocalRun>();
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: LocalRunnerOptions) {
    this.env = options.env ?? process.env;
  }

  /** The container's environment: contract env, secrets by reference, the run's own credentials, the host's PATH/HOME. */
  environmentFor(spec: JobSpec): Record<string, string> {
    const env: Record<string, string> = {
      PATH: this.env.PATH ?? '/usr/bin:/bin',
      HOME: this.env.HOME ?? '/tmp',
      ...spec.env,
    };
    for (const ref of spec.secretEnv) {
      const value = this.env[ref.env];
      if (value !== undefined) env[ref.env] = value;
    }
    return { ...env, ...spec.credentialEnv };
  }

  async dispatch(spec: JobSpec): Promise<RunHandle> {
    if (this.runs.has(spec.name))
      throw new RunnerError(`A run named ${spec.name} already exists; trainbot does not start the same run twice.`);
    const [command, ...commandArgs] = spec.command;
    if (!command) throw new RunnerError('The training command is empty; set `command` in `.github/trainbot.yml`.');
    const cwd = resolve(this.options.workdir);
    const child = spawn(command, [...commandArgs, ...spec.args], {
      cwd,
      env: this.environmentFor(spec),
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    const run: LocalRun = {
      spec,
      child,
      lines: [],
      outcome: Promise.resolve({ status: 'succeeded' }),
      done: false,
      cancelled: false,
    };
    const out: PartialLine = { text: '', cut: false };
    const err: PartialLine = { text: '', cut: false };
    // Decoded by the stream, so a character split between two chunks arrives whole.
    child.stdout
      ?.setEncoding('utf8')
      .on('data', (c: string) => collectLines(run, spec.name, c, out, this.options.onOutput));
    child.stderr
      ?.setEncoding('utf8')
      .on('data', (c: string) => collectLines(run, spec.name, c, err, this.options.onOutput));
    run.outcome = new Promise<RunOutcome>((resolveOutcome) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, spec.timeoutSeconds * 1000);
      const finish = (outcome: RunOutcome) => {
        clearTimeout(timer);
        for (const rest of [out, err]) if (rest.text || rest.cut) run.lines.push(takeLine(rest));
        run.done = true;
        resolveOutcome(outcome);
      };
      child.once('error', (error: NodeJS.ErrnoException) => {
        finish({
          status: 'failed',
          reason:
            error.code === 'ENOENT'
              ? `The training command \`${command}\` was not found in ${cwd}.`
              : `The training command could not start: ${error.message}.`,
        });
      });
      child.once('close', (code, signal) => {
        if (run.cancelled) finish({ status: 'cancelled', reason: 'Cancelled on request.' });
        else if (timedOut)
          finish({ status: 'timeout', reason: `Stopped after the ${limitText(spec.timeoutSeconds)} limit.` });
        // A process on this machine, not an image: the report's footer says so (LOCAL_PROCESS).
        else if (code === 0) finish({ status: 'succeeded', image: LOCAL_PROCESS });
        else
          finish({
            status: 'failed',
            reason:
              code !== null
                ? `The training process exited with code ${code}.`
                : `The training process was killed by ${signal}.`,
            image: LOCAL_PROCESS,
          });
      });
    });
    this.runs.set(spec.name, run);
    return { name: spec.name };
  }

  wait(handle: RunHandle): Promise<RunOutcome> {
    const run = this.runs.get(handle.name);
    if (!run) return Promise.resolve({ status: 'failed', reason: `No local run named ${handle.name} was started.` });
    return run.outcome;
  }

  async logs(handle: RunHandle, tailLines: number): Promise<string> {
    const lines = this.runs.get(handle.name)?.lines ?? [];
    return lines.slice(-tailLines).join('\n');
  }

  async cancel(handle: RunHandle): Promise<void> {
    const run = this.runs.get(handle.name);
    if (!run || run.done) return;
    run.cancelled = true;
    run.child.kill('SIGTERM');
  }

  async active(labels: Readonly<Record<string, string>>): Promise<RunHandle[]> {
    return [...this.runs.values()]
      .filter((r) => !r.done && Object.entries(labels).every(([k, v]) => r.spec.labels[k] === v))
      .map((r) => ({ name: r.spec.name }));
  }

  claim(key: string): Promise<boolean> {
    return claimInProcess(key);
  }

  release(key: string): Promise<void> {
    return releaseInProcess(key);
  }
}
