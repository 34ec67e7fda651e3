import { describe, expect, it } from '@jest/globals';
import { UsageError, parseCli } from '../../../src/cli.js';

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
      command: '/train alpha=0.5',
      json: false,
      config: undefined,
      root: undefined,
    });
  });

  it('reads --json, --config and --root in any position', () => {
    expect(parseCli(['--json', 'run', '--config', 'conf/t.yml', '/train', '--root', '/repo'])).toEqual({
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

  it('refuses an unknown verb, naming it and the one it knows', () => {
    expect(usageError(['train', '/train'])).toBe(
      'Unknown command "train"; the only command is `trainbot run "/train …"`.',
    );
  });

  it('cuts an unknown verb to 40 characters when echoing it', () => {
    expect(usageError(['x'.repeat(100)])).toBe(
      `Unknown command "${'x'.repeat(40)}"; the only command is \`trainbot run "/train …"\`.`,
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
      'Unknown option `--jsn`; trainbot run takes --json, --config FILE, --root DIR and --help.',
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
