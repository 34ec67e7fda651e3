import { describe, expect, it } from '@jest/globals';
import { UsageError, parseCli, runUsersFor } from '../../../src/cli.js';

function usageError(argv: string[]): string {
  try {
    parseCli(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`parseCli accepted ${JSON.stringify(argv)}`);
}

describe('parseCli', () => {
  it('reads `run` with a quoted command and the defaults for the flags', () => {
    expect(parseCli(['run', '/train alpha=0.5'])).toEqual({
      verb: 'run',
      command: '/train alpha=0.5',
      json: false,
      config: undefined,
      root: undefined,
    });
  });

  it('reads --json, --config and --root in any position', () => {
    expect(parseCli(['--json', 'run', '--config', 'conf/t.yml', '/train', '--root', '/repo'])).toEqual({
      verb: 'run',
      command: '/train',
      json: true,
      config: 'conf/t.yml',
      root: '/repo',
    });
  });

  it('adds `/train` when the command leaves it out', () => {
    expect(parseCli(['run', 'alpha=0.1,0.5'])).toMatchObject({ command: '/train alpha=0.1,0.5' });
  });

  it.each([[[]], [['--help']], [['-h']], [['run', '/train', '--help']]])('asks for help for %j', (argv) => {
    expect(parseCli(argv)).toEqual({ help: true });
  });

  it('refuses an unknown verb, naming it and the ones it knows', () => {
    expect(usageError(['train', '/train'])).toBe(
      'Unknown command "train"; the commands are `trainbot run "/train …"`, `trainbot compare RUN_ID` and `trainbot stop`.',
    );
  });

  it('cuts an unknown verb to 40 characters when echoing it', () => {
    expect(usageError(['x'.repeat(100)])).toBe(
      `Unknown command "${'x'.repeat(40)}"; the commands are \`trainbot run "/train …"\`, \`trainbot compare RUN_ID\` and \`trainbot stop\`.`,
    );
  });

  it('refuses `run` without a command', () => {
    expect(usageError(['run'])).toBe(
      '`trainbot run` needs the command in quotes, like `trainbot run "/train alpha=0.5"`.',
    );
  });

  it('refuses a command split over several arguments (forgotten quotes)', () => {
    expect(usageError(['run', '/train', 'alpha=0.5', 'l1_ratio=0.2'])).toBe(
      'Put the whole command in one pair of quotes, like `trainbot run "/train alpha=0.5 l1_ratio=0.2"`.',
    );
  });

  it('refuses an unknown flag, naming it and pointing at --help', () => {
    expect(usageError(['run', '/train', '--jsn'])).toBe(
      'Unknown option `--jsn`; trainbot takes --json, --config FILE, --root DIR, --baseline RUN_ID (compare) and --help.',
    );
  });

  it('refuses a flag that needs a value without one', () => {
    expect(usageError(['run', '/train', '--config'])).toBe(
      'The option `--config` needs a value, like `--config .github/trainbot.yml`.',
    );
  });

  it('refuses a 20 kB command, saying how long it is', () => {
    expect(usageError(['run', `/train alpha=${'1'.repeat(20_000 - 13)}`])).toBe(
      'The command is 20000 characters long; trainbot reads at most 10,000.',
    );
  });

  it('takes a command of exactly 10,000 characters', () => {
    const command = `/train ${'a'.repeat(10_000 - 7)}`;
    expect(parseCli(['run', command])).toMatchObject({ command });
  });
});

describe('parseCli: compare and stop', () => {
  const id = 'a'.repeat(32);

  it('reads `compare RUN_ID` with the defaults', () => {
    expect(parseCli(['compare', id])).toEqual({
      verb: 'compare',
      runId: id,
      json: false,
      config: undefined,
      root: undefined,
    });
  });

  it('reads --baseline, --json, --config and --root in any position', () => {
    expect(parseCli(['--baseline', 'b'.repeat(32), 'compare', '--json', id, '--root', '/repo'])).toEqual({
      verb: 'compare',
      runId: id,
      baseline: 'b'.repeat(32),
      json: true,
      config: undefined,
      root: '/repo',
    });
  });

  it('refuses `compare` without a run id', () => {
    expect(usageError(['compare'])).toBe(
      '`trainbot compare` needs the id of a run, like `trainbot compare 3f2a…` (32 characters).',
    );
  });

  it('refuses two run ids, pointing at --baseline', () => {
    expect(usageError(['compare', id, 'b'.repeat(32)])).toBe(
      '`trainbot compare` takes one run id; name the baseline with `--baseline RUN_ID`, like `trainbot compare RUN_ID --baseline RUN_ID`.',
    );
  });

  it('refuses --baseline without a value, and an empty one', () => {
    expect(usageError(['compare', id, '--baseline'])).toBe(
      'The option `--baseline` needs a value, like `--baseline RUN_ID`.',
    );
    expect(usageError(['compare', id, '--baseline', ''])).toBe(
      'The option `--baseline` needs a run id, like `--baseline 3f2a…`.',
    );
  });

  it('refuses --baseline on other commands', () => {
    expect(usageError(['run', '/train', '--baseline', id])).toBe(
      '`--baseline RUN_ID` belongs to `trainbot compare RUN_ID --baseline RUN_ID`.',
    );
  });

  it('reads `stop` with an optional --root, and refuses arguments', () => {
    expect(parseCli(['stop'])).toEqual({ verb: 'stop', root: undefined });
    expect(parseCli(['stop', '--root', '/repo'])).toEqual({ verb: 'stop', root: '/repo' });
    expect(usageError(['stop', 'now'])).toBe('`trainbot stop` takes no arguments (only `--root DIR`).');
  });
});

describe('runUsersFor', () => {
  it('gives each run an MLflow user of its own on a server named by MLFLOW_TRACKING_URI', () => {
    expect(runUsersFor({ MLFLOW_TRACKING_URI: 'https://mlflow.example.test' })).toBe('per-run');
    expect(runUsersFor({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000', MLFLOW_TRACKING_USERNAME: 'admin' })).toBe(
      'per-run',
    );
  });

  it('lets the training use the CLI’s admin credential on the embedded default, where it runs as the same OS user', () => {
    expect(runUsersFor({})).toBe('admin');
    expect(runUsersFor({ MLFLOW_TRACKING_URI: '' })).toBe('admin');
  });
});
