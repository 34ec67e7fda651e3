import { describe, expect, it } from '@jest/globals';
import { planRequest } from '../../../src/pipeline/plan-request.js';
import { planBaselineRepeats, planRuns } from '../../../src/runs/plan.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { REPO_CONFIG_TEXT, edit, repoConfig } from '../config/repo-config.js';

const config = repoConfig(); // seed: int 0..2147483647, default 42; limits.max_runs 20
const HINT = 'Comment `/train help` to see the parameters and their ranges.';

function configFrom(text: string) {
  const loaded = parseConfig(text);
  if (!loaded.ok) throw new Error(loaded.errors.join(' '));
  return loaded.config;
}

describe('planRuns with repeats', () => {
  it('trains the point once per seed, from the seed param’s default up, and marks each repeat', () => {
    const plan = planRuns({ alpha: ['0.4'], repeats: ['3'] }, config);
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.runs.map((r) => [r.params.seed, r.repeat, r.swept])).toEqual([
      [42, { index: 0, seed: 42, count: 3 }, ['alpha']],
      [43, { index: 1, seed: 43, count: 3 }, ['alpha']],
      [44, { index: 2, seed: 44, count: 3 }, ['alpha']],
    ]);
    expect(plan.runs.map((r) => r.args)).toEqual(
      [42, 43, 44].map((s) => ['--alpha', '0.4', '--l1-ratio', '0.5', '--seed', String(s)]),
    );
  });

  it('repeats every point of a sweep with the same seeds', () => {
    const plan = planRuns({ alpha: ['0.1', '0.5'], repeats: ['2'] }, config);
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.runs.map((r) => r.paramsKey)).toEqual([
      'alpha=0.1 l1_ratio=0.5 seed=42',
      'alpha=0.1 l1_ratio=0.5 seed=43',
      'alpha=0.5 l1_ratio=0.5 seed=42',
      'alpha=0.5 l1_ratio=0.5 seed=43',
    ]);
  });

  it('takes the config’s repeats when the command sets none, and `repeats=1` overrides it', () => {
    const three = configFrom(`${REPO_CONFIG_TEXT}repeats: 3\n`);
    const plan = planRuns({ alpha: ['0.4'] }, three);
    expect(plan.ok && plan.runs.map((r) => r.params.seed)).toEqual([42, 43, 44]);
    const once = planRuns({ alpha: ['0.4'], repeats: ['1'] }, three);
    expect(once.ok && once.runs.map((r) => [r.params.seed, r.repeat])).toEqual([[42, undefined]]);
  });

  it('leaves a run without repeats exactly as before (no repeat mark)', () => {
    const plan = planRuns({ alpha: ['0.4'] }, config);
    expect(plan.ok && plan.runs).toEqual([
      {
        params: { alpha: 0.4, l1_ratio: 0.5, seed: 42 },
        paramsKey: 'alpha=0.4 l1_ratio=0.5 seed=42',
        args: ['--alpha', '0.4', '--l1-ratio', '0.5', '--seed', '42'],
        swept: ['alpha'],
      },
    ]);
  });

  it.each([
    ['0', '`repeats`=0 is not allowed'],
    ['-1', '`repeats`=-1 is not allowed'],
    ['2.5', '`repeats`=2.5 is not allowed'],
    ['1000', '`repeats`=1000 is not allowed'],
    ['21', '`repeats`=21 is not allowed'],
    ['three', '`repeats`=three is not allowed'],
  ])('refuses repeats=%s in one sentence', (raw, start) => {
    expect(planRuns({ repeats: [raw] }, config)).toEqual({
      ok: false,
      message: `${start}; \`repeats\` takes one whole number from 1 to 20 (\`limits.max_runs\` in \`.github/trainbot.yml\`), like \`repeats=3\`. ${HINT}`,
    });
  });

  it('refuses a list of repeats', () => {
    const plan = planRuns({ repeats: ['2', '3'] }, config);
    expect(plan.ok ? '' : plan.message).toMatch(/^`repeats`=2,3 is not allowed; /);
  });

  it('refuses a grid whose points × repeats exceed limits.max_runs', () => {
    expect(planRuns({ alpha: ['0.1', '0.5', '1'], repeats: ['7'] }, config)).toEqual({
      ok: false,
      message:
        'This command asks for 3 points × 7 repeats = 21 runs; this repository allows at most 20 per command (`limits.max_runs` in `.github/trainbot.yml`). Use fewer values or fewer repeats.',
    });
    expect(planRuns({ alpha: ['0.1', '0.5'], repeats: ['10'] }, config).ok).toBe(true);
  });

  it('refuses setting the seed together with repeats: the repeats choose it to pair with the baseline', () => {
    expect(planRuns({ seed: ['7'], repeats: ['3'] }, config)).toEqual({
      ok: false,
      message: `\`seed\` is chosen by \`repeats\` (seeds 42 to 44, the ones the baseline uses, so each run is paired with one); leave \`seed\` out, or use \`repeats=1\`. ${HINT}`,
    });
  });

  it('refuses repeats whose seeds leave the seed param’s range', () => {
    const capped = configFrom(edit(REPO_CONFIG_TEXT, 'max: 2147483647', 'max: 43'));
    const plan = planRuns({ repeats: ['3'] }, capped);
    expect(plan.ok ? '' : plan.message).toBe(
      `\`repeats=3\` needs seeds 42 to 44, and \`seed\` goes up to 43; use fewer repeats. ${HINT}`,
    );
  });

  it('refuses repeats in a repository without an int seed param', () => {
    const plan = planRuns({ repeats: ['2'] }, { ...config, seedParam: 'nonce' });
    expect(plan.ok ? '' : plan.message).toMatch(
      /^`repeats=2` needs a whole-number param to vary the seed, and this repository has none named `nonce`/,
    );
  });
});

describe('a /train comment with repeats', () => {
  it('answers repeats=0 and repeats=1000 with one sentence and no runs', () => {
    for (const raw of ['0', '1000']) {
      const answer = planRequest(`/train alpha=0.5 repeats=${raw}`, config);
      expect(answer).toEqual({
        reply: `\`repeats\`=${raw} is not allowed; \`repeats\` takes one whole number from 1 to 20 (\`limits.max_runs\` in \`.github/trainbot.yml\`), like \`repeats=3\`. ${HINT}`,
      });
    }
  });
  it('plans `/train alpha=0.5 repeats=5` as five runs', () => {
    const answer = planRequest('/train alpha=0.5 repeats=5', config);
    expect('runs' in answer && answer.runs.map((r) => r.params.seed)).toEqual([42, 43, 44, 45, 46]);
  });
});

describe('planBaselineRepeats', () => {
  it('gives the defaults with each seed, paired with the candidates’ repeats', () => {
    expect(planBaselineRepeats(config, [42, 43]).map((r) => [r.paramsKey, r.repeat])).toEqual([
      ['alpha=0.5 l1_ratio=0.5 seed=42', { index: 0, seed: 42, count: 2 }],
      ['alpha=0.5 l1_ratio=0.5 seed=43', { index: 1, seed: 43, count: 2 }],
    ]);
  });
});
