import { describe, expect, it } from '@jest/globals';
import { flagsFor, formatValue, paramsKey, planBaseline, planRuns, parseParamsKey } from '../../../src/runs/plan.js';
import { repoConfig } from '../config/repo-config.js';

const config = repoConfig(); // alpha (float ≥ 0, 0.5), l1_ratio (float 0..1, 0.5), seed (int 0..2^31-1, 42); max_runs 20
const HINT = 'Comment `/train help` to see the parameters and their ranges.';

function refusal(requested: Record<string, string[]>): string {
  const result = planRuns(requested, config);
  if (result.ok) throw new Error(`expected a refusal, got ${result.runs.length} runs`);
  return result.message;
}

describe('planRuns: one run', () => {
  it('fills every param the command leaves out with its default, flags in config order', () => {
    expect(planRuns({ l1_ratio: ['0.2'] }, config)).toEqual({
      ok: true,
      runs: [
        {
          params: { alpha: 0.5, l1_ratio: 0.2, seed: 42 },
          paramsKey: 'alpha=0.5 l1_ratio=0.2 seed=42',
          args: ['--alpha', '0.5', '--l1-ratio', '0.2', '--seed', '42'],
          swept: ['l1_ratio'],
        },
      ],
    });
  });

  it('plans the baseline for a bare `/train`', () => {
    const result = planRuns({}, config);
    expect(result.ok && result.runs).toEqual([planBaseline(config)]);
    expect(planBaseline(config)).toEqual({
      params: { alpha: 0.5, l1_ratio: 0.5, seed: 42 },
      paramsKey: 'alpha=0.5 l1_ratio=0.5 seed=42',
      args: ['--alpha', '0.5', '--l1-ratio', '0.5', '--seed', '42'],
      swept: [],
    });
  });

  it('spells numbers one way, so `0.50`, `.5` and `+0.5` are the default run', () => {
    for (const spelling of ['0.50', '.5', '+0.5', '5e-1', '0.5000']) {
      const result = planRuns({ alpha: [spelling] }, config);
      expect(result.ok && result.runs[0]?.paramsKey).toBe(planBaseline(config).paramsKey);
    }
  });

  it('writes -0 as 0', () => {
    const result = planRuns({ alpha: ['-0'] }, config);
    expect(result.ok && result.runs[0]?.args.slice(0, 2)).toEqual(['--alpha', '0']);
  });
});

describe('paramsKey and formatValue', () => {
  it('sorts keys whatever order the params come in', () => {
    expect(paramsKey({ seed: 1, alpha: 0.1, l1_ratio: 'x' })).toBe('alpha=0.1 l1_ratio=x seed=1');
  });

  it('formats numbers with String(), strings as they are', () => {
    expect([formatValue(0.5), formatValue(1e-7), formatValue(100), formatValue('saga')]).toEqual([
      '0.5',
      '1e-7',
      '100',
      'saga',
    ]);
  });

  it('takes each param flag from the config, in config order', () => {
    const custom = { ...config, params: { ...config.params, alpha: { ...config.params.alpha!, flag: '-a' } } };
    expect(flagsFor({ seed: 7, l1_ratio: 0.1, alpha: 2 }, custom)).toEqual([
      '-a',
      '2',
      '--l1-ratio',
      '0.1',
      '--seed',
      '7',
    ]);
  });
});

describe('planRuns: grids', () => {
  it('expands a cartesian grid in config order, the first param varying slowest', () => {
    const result = planRuns({ l1_ratio: ['0.2', '0.8'], alpha: ['0.1', '1', '2'] }, config);
    expect(result.ok && result.runs.map((r) => r.paramsKey)).toEqual([
      'alpha=0.1 l1_ratio=0.2 seed=42',
      'alpha=0.1 l1_ratio=0.8 seed=42',
      'alpha=1 l1_ratio=0.2 seed=42',
      'alpha=1 l1_ratio=0.8 seed=42',
      'alpha=2 l1_ratio=0.2 seed=42',
      'alpha=2 l1_ratio=0.8 seed=42',
    ]);
    expect(result.ok && result.runs.every((r) => r.swept.join() === 'l1_ratio,alpha')).toBe(true);
  });

  it('collapses values of one axis that are the same number', () => {
    const result = planRuns({ alpha: ['0.5', '0.50', '.5', '1', '1.0'] }, config);
    expect(result.ok && result.runs.map((r) => r.params.alpha)).toEqual([0.5, 1]);
  });

  it('accepts a grid of exactly max_runs', () => {
    const result = planRuns({ alpha: ['1', '2', '3', '4', '5'], seed: ['1', '2', '3', '4'] }, config);
    expect(result.ok && result.runs.length).toBe(20);
  });

  it('refuses a grid of max_runs + 1, the first size over the cap', () => {
    expect(refusal({ alpha: ['1', '2', '3', '4', '5', '6', '7'], seed: ['1', '2', '3'] })).toBe(
      'This grid has 21 runs; this repository allows at most 20 per command (`limits.max_runs` in `.github/trainbot.yml`). Use fewer values, or split the grid over several commands.',
    );
  });

  it('refuses a 1,000-run grid, saying how big it is and where the limit is set', () => {
    const ten = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix}${i}`);
    expect(refusal({ alpha: ten('1'), l1_ratio: ten('0.'), seed: ten('') })).toBe(
      'This grid has 1,000 runs; this repository allows at most 20 per command (`limits.max_runs` in `.github/trainbot.yml`). Use fewer values, or split the grid over several commands.',
    );
  });

  it('counts a grid before expanding it: a billion combinations is refused at once', () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => String(i));
    // Expanding first would build 10^9 objects and exhaust the worker's memory; this test would crash, not pass.
    expect(
      refusal({ alpha: thousand, l1_ratio: thousand.map((v) => String(Number(v) / 1000)), seed: thousand }),
    ).toMatch(/^This grid has 1,000,000,000 runs;/);
  });
});

describe('planRuns: values it refuses, each with the exact answer', () => {
  const cases: [string, Record<string, string[]>, string][] = [
    [
      'an unknown param',
      { gamma: ['1'] },
      '`gamma` is not a parameter of this repository; it has `alpha`, `l1_ratio`, `seed`.',
    ],
    [
      'a param name one edit from a real one',
      { l1ratio: ['0.3'] },
      '`l1ratio` is not a parameter of this repository; did you mean `l1_ratio`? It has `alpha`, `l1_ratio`, `seed`.',
    ],
    [
      'a param name with two letters swapped',
      { alpah: ['1'] },
      '`alpah` is not a parameter of this repository; did you mean `alpha`? It has `alpha`, `l1_ratio`, `seed`.',
    ],
    [
      'a param name inherited from Object.prototype',
      { constructor: ['1'] },
      '`constructor` is not a parameter of this repository; it has `alpha`, `l1_ratio`, `seed`.',
    ],
    [
      'a word, naming the range',
      { alpha: ['abc'] },
      '`alpha`=abc is not a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`.',
    ],
    ['NaN', { alpha: ['NaN'] }, '`alpha`=NaN is not a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`.'],
    [
      'Infinity',
      { alpha: ['Infinity'] },
      '`alpha`=Infinity is not a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`.',
    ],
    [
      '1e999, which overflows to Infinity',
      { alpha: ['1e999'] },
      '`alpha`=1e999 is too large to be a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`.',
    ],
    [
      '-1e999, which overflows to -Infinity',
      { alpha: ['-1e999'] },
      '`alpha`=-1e999 is too large to be a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`.',
    ],
    [
      '1e-400, which underflows to 0',
      { alpha: ['1e-400'] },
      '`alpha`=1e-400 is too close to zero to be a number (it would become 0); `alpha` takes a plain decimal from 0 to ∞, like `0.5`.',
    ],
    [
      '1.5e-310, which would lose digits',
      { l1_ratio: ['1.5e-310'] },
      '`l1_ratio`=1.5e-310 is too close to zero to be a number (it would become 0); `l1_ratio` takes a plain decimal from 0 to 1, like `0.5`.',
    ],
    [
      'hex',
      { alpha: ['0x10'] },
      '`alpha`=0x10 is not a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`.',
    ],
    [
      'an empty value',
      { alpha: [''] },
      '`alpha`= is not a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`.',
    ],
    [
      'Arabic-Indic digits',
      { alpha: ['٣'] },
      '`alpha`=٣ is not a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`.',
    ],
    [
      'full-width digits',
      { seed: ['４２'] },
      '`seed`=４２ is not a number; `seed` takes a whole number from 0 to 2147483647, like `42`.',
    ],
    ['a negative alpha', { alpha: ['-1'] }, '`alpha`=-1 is out of range; `alpha` must be from 0 to ∞.'],
    ['l1_ratio above 1', { l1_ratio: ['1.5'] }, '`l1_ratio`=1.5 is out of range; `l1_ratio` must be from 0 to 1.'],
    [
      'a fraction for an int',
      { seed: ['1.5'] },
      '`seed`=1.5 is not a whole number; `seed` takes a whole number from 0 to 2147483647, like `42`.',
    ],
    [
      'an int past its max',
      { seed: ['2147483648'] },
      '`seed`=2147483648 is out of range; `seed` must be from 0 to 2147483647.',
    ],
    [
      'markdown in a value',
      { alpha: ['<img src=x>|**b**'] },
      '`alpha`=\\<img src=x\\>\\|\\*\\*b\\*\\* is not a number; `alpha` takes a plain decimal from 0 to ∞, like `0.5`.',
    ],
    [
      'a 10 kB number, which overflows to Infinity',
      { alpha: ['9'.repeat(10_240)] },
      `\`alpha\`=${'9'.repeat(40)}… is too large to be a number; \`alpha\` takes a plain decimal from 0 to ∞, like \`0.5\`.`,
    ],
    [
      'a 10 kB word',
      { alpha: ['x'.repeat(10_240)] },
      `\`alpha\`=${'x'.repeat(40)}… is not a number; \`alpha\` takes a plain decimal from 0 to ∞, like \`0.5\`.`,
    ],
    [
      'the first wrong word as typed, not in config order',
      { l1_ratio: ['2'], alpha: ['abc'] },
      '`l1_ratio`=2 is out of range; `l1_ratio` must be from 0 to 1.',
    ],
    [
      'a bad value among good ones in a grid',
      { alpha: ['0.1', '0.2'], l1_ratio: ['0.5', '2'] },
      '`l1_ratio`=2 is out of range; `l1_ratio` must be from 0 to 1.',
    ],
  ];

  it.each(cases)('refuses %s', (_, requested, message) => {
    expect(refusal(requested)).toBe(`${message} ${HINT}`);
  });
});

describe('planRuns: string params', () => {
  const withSolver = {
    ...config,
    params: {
      ...config.params,
      solver: { type: 'string' as const, default: 'cd', values: ['cd', 'saga'], flag: '--solver' },
    },
  };

  it('takes a listed value and passes it as a flag', () => {
    const result = planRuns({ solver: ['saga'] }, withSolver);
    expect(result.ok && result.runs[0]?.args.slice(-2)).toEqual(['--solver', 'saga']);
  });

  it('refuses a value that is not listed, naming the allowed ones', () => {
    expect(planRuns({ solver: ['lbfgs'] }, withSolver)).toEqual({
      ok: false,
      message: `\`solver\`=lbfgs is not allowed; use one of cd, saga. ${HINT}`,
    });
  });

  it('refuses characters a flag value must not carry when no values are listed', () => {
    const open = {
      ...withSolver,
      params: { ...withSolver.params, solver: { type: 'string' as const, default: 'cd', flag: '--solver' } },
    };
    expect(planRuns({ solver: ['a b;rm'] }, open)).toEqual({
      ok: false,
      message: `\`solver\`=a b;rm is not allowed; string values may use letters, digits, spaces and \`. _ - / : + @\` (at most 64, no space at either end), like \`note="first try"\`. ${HINT}`,
    });
  });
});

describe('string values with spaces (`note="first try"`)', () => {
  const withNote = {
    ...config,
    params: { ...config.params, note: { type: 'string' as const, default: 'none', flag: '--note' } },
  };

  it('plan one argv entry with the space, and a params key that quotes it as it is typed', () => {
    const plan = planRuns({ note: ['first try'], alpha: ['0.1'] }, withNote);
    if (!plan.ok) throw new Error(plan.message);
    const [run] = plan.runs;
    expect(run?.params.note).toBe('first try');
    expect(run?.args.slice(-2)).toEqual(['--note', 'first try']);
    expect(run?.paramsKey).toBe('alpha=0.1 l1_ratio=0.5 note="first try" seed=42');
  });

  it('sweep over values with spaces as a grid axis', () => {
    const plan = planRuns({ note: ['a b', 'c d'] }, withNote);
    expect(plan.ok && plan.runs.map((r) => r.params.note)).toEqual(['a b', 'c d']);
  });

  it.each([
    ['a leading space', ' a'],
    ['a trailing space', 'a '],
    ['only spaces', '   '],
    ['a double quote', 'say "hi"'],
    ['a backslash', 'C:\\data'],
    ['a backtick', 'a`b'],
    ['markup', '<b>x</b>'],
    ['a tab', 'a\tb'],
    ['65 characters', 'x'.repeat(65)],
  ])('refuses %s', (_case, value) => {
    const plan = planRuns({ note: [value] }, withNote);
    expect(plan.ok ? '' : plan.message).toMatch(
      /^`note`=.* is not allowed; string values may use letters, digits, spaces/,
    );
  });

  it('reads every params key back to the values it was made from', () => {
    const sets: Record<string, number | string>[] = [
      { alpha: 0.1, seed: 42 },
      { note: 'first try', alpha: 1e-7 },
      { note: 'a=b, c/d:e+f@g', label: 'x' },
      { note: 'über café 123' },
    ];
    for (const params of sets) {
      const back = parseParamsKey(paramsKey(params));
      expect(back).toEqual(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])));
    }
  });
});

describe('parseParamsKey', () => {
  it('skips words that are not k=v', () => {
    expect(parseParamsKey('alpha=0.1 junk =7 "q=1" seed=42')).toEqual({ alpha: '0.1', seed: '42' });
  });
});
