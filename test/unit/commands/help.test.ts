import { describe, expect, it } from '@jest/globals';
import { renderHelp } from '../../../src/commands/help.js';
import { parseCommand } from '../../../src/commands/parse-command.js';
import { helpConfig } from './help-config.js';

const config = helpConfig({
  alpha: { type: 'float', default: 0.5, min: 0, max: 1, flag: '--alpha', description: 'Regularisation strength' },
  l1_ratio: { type: 'float', default: 0.5, min: 0.1, flag: '--l1-ratio', description: 'Mix of L1 and L2' },
  solver: {
    type: 'string',
    default: 'cd',
    values: ['cd', 'a|b'],
    flag: '--solver',
    description: 'Uses <img src=x onerror=alert(1)> | `x` **@acme/team**\nsecond line',
  },
  max_iter: { type: 'int', default: 1000, max: 5000, flag: '--max-iter' },
});

describe('renderHelp', () => {
  it('explains the command, gives examples from the config and tabulates the params', () => {
    expect(renderHelp(config))
      .toBe(`\`/train\` runs this pull request's training code with the parameters you give and posts how the result compares with the latest baseline from \`main\`.

- \`/train\`: one run with every parameter at its default
- \`/train alpha=1\`: one run; the parameters you leave out keep their defaults
- \`/train alpha=0.5,1 l1_ratio=0.5,0.1\`: a sweep, one run for every combination (at most 20 runs)
- \`/train cancel\`: stop this pull request's runs
- \`/train help\`: show this message

Write the command at the start of its own line, outside quotes and code blocks; quote a value that contains spaces or commas (\`"a b"\`).

| Parameter  | Type   | Range               | Default | Description                                                                 |
| :--------- | :----- | :------------------ | :------ | :-------------------------------------------------------------------------- |
| \`alpha\`    | float  | 0 to 1              | \`0.5\`   | Regularisation strength                                                     |
| \`l1_ratio\` | float  | ≥ 0.1               | \`0.5\`   | Mix of L1 and L2                                                            |
| \`solver\`   | string | one of \`cd\`, \`a\\|b\` | \`cd\`    | Uses \\<img src=x onerror=alert(1)\\> \\| \\\`x\\\` \\*\\*@\u2060acme/team\\*\\* second line |
| \`max_iter\` | int    | ≤ 5000              | \`1000\`  |                                                                             |
`);
  });

  it('says so when the config declares no params, and offers no examples that would fail', () => {
    expect(renderHelp(helpConfig({})))
      .toBe(`\`/train\` runs this pull request's training code with the parameters you give and posts how the result compares with the latest baseline from \`main\`.

- \`/train\`: one run with every parameter at its default
- \`/train cancel\`: stop this pull request's runs
- \`/train help\`: show this message

Write the command at the start of its own line, outside quotes and code blocks; quote a value that contains spaces or commas (\`"a b"\`).

This repository's \`.github/trainbot.yml\` declares no parameters.
`);
  });

  it('quotes example values that need it and fences config text that holds backticks', () => {
    const odd = {
      ...helpConfig({ note: { type: 'string', default: 'a b', values: ['a b', 'c,d'], flag: '--note' } }),
      baselineBranch: 'rel`1',
    };
    const lines = renderHelp(odd).split('\n');
    expect(lines[0]).toContain('from ``rel`1``.');
    expect(lines[3]).toBe('- `/train note="c,d"`: one run; the parameters you leave out keep their defaults');
    expect(lines[4]).toBe('- `/train note="a b","c,d"`: a sweep, one run for every combination (at most 20 runs)');
  });

  it('is never read as a command itself', () => {
    expect(parseCommand(renderHelp(config))).toEqual({ type: 'ignore' });
  });

  it('gives examples that parse to the values shown', () => {
    const line = renderHelp(config).split('\n')[4] ?? '';
    const example = /`(\/train [^`]*)`/.exec(line)?.[1] ?? '';
    expect(parseCommand(example)).toEqual({
      type: 'command',
      command: { kind: 'train', params: { alpha: ['0.5', '1'], l1_ratio: ['0.5', '0.1'] } },
      line: example,
    });
  });
});

describe('renderHelp with a seed param', () => {
  it('offers `repeats=3`, naming the seeds they use', () => {
    const withSeed = helpConfig({
      alpha: { type: 'float', default: 0.5, min: 0, max: 1, flag: '--alpha' },
      seed: { type: 'int', default: 42, min: 0, flag: '--seed' },
    });
    expect(renderHelp(withSeed).split('\n')).toContain(
      '- `/train alpha=1 repeats=3`: three runs with `seed` 42 and up, compared with the baseline\'s runs of the same seeds: mean ± sd, and "within noise" unless the change is larger than the noise',
    );
  });
});
