import { describe, expect, it } from '@jest/globals';
import { Marked } from 'marked';
import type { RunResult } from '../../../src/report/compare.js';
import {
  FOOTER_COMMAND_MAX_CHARS,
  FOOTER_LIST_MAX,
  FOOTER_MAX_CHARS,
  renderFooter,
} from '../../../src/report/render-footer.js';

const SHA = 'c0ffee5e9d0c4a7b8e1f2a3b4c5d6e7f8a9b0c1d';
const IMAGE = `ghcr.io/octo-org/wine-training@sha256:${'ab'.repeat(32)}`;
const DATA = [{ name: 'winequality-red', digest: '9e3cd6ce' }];
const ORDER = ['alpha', 'l1_ratio', 'seed'];

function run(params: RunResult['params'], extra: Partial<RunResult> = {}): RunResult {
  return {
    name: `run-${JSON.stringify(params)}`,
    params,
    state: 'finished',
    metrics: { rmse: 0.7 },
    provenance: { image: IMAGE, datasets: DATA },
    ...extra,
  };
}

const grid = (alphas: number[], ratios: number[], seeds = [42]) =>
  alphas.flatMap((alpha) => ratios.flatMap((l1_ratio) => seeds.map((seed) => run({ alpha, l1_ratio, seed }))));

describe('renderFooter', () => {
  it('names the image, the commit, every param with the seed, the data digest and both commands, collapsed', () => {
    expect(renderFooter({ runs: [run({ alpha: 0.1, l1_ratio: 0.5, seed: 42 })], sha: SHA, paramOrder: ORDER }))
      .toBe(`<details><summary>Reproduce this run</summary>

- Image: \`${IMAGE}\`
- Commit: \`${SHA}\`
- Params: \`alpha=0.1 l1_ratio=0.5 seed=42\`
- Data: \`winequality-red\` digest \`9e3cd6ce\`
- Again on a pull request (trains its head): \`/train alpha=0.1 l1_ratio=0.5 seed=42\`
- Locally, at that commit: \`git checkout ${SHA} && trainbot run '/train alpha=0.1 l1_ratio=0.5 seed=42'\`

</details>`);
  });

  it('types repeated runs back as repeats=N with their seeds named, not as a sweep over seeds', () => {
    const repeats = [0.1, 0.5].flatMap((alpha) =>
      [42, 43, 44].map((seed) => run({ alpha, l1_ratio: 0.5, seed }, { repeatSeed: seed })),
    );
    const footer = renderFooter({ runs: repeats, sha: SHA, paramOrder: ORDER, seedParam: 'seed' });
    expect(footer).toContain('- Params: `alpha=0.1,0.5 l1_ratio=0.5 repeats=3` (`seed` 42, 43, 44)');
    expect(footer).toContain(
      '- Again on a pull request (trains its head): `/train alpha=0.1,0.5 l1_ratio=0.5 repeats=3`',
    );
    // Without repeats a seed list is what the runs were: a sweep over seeds.
    const sweep = [42, 43].map((seed) => run({ alpha: 0.1, seed }));
    expect(renderFooter({ runs: sweep, sha: SHA, paramOrder: ORDER, seedParam: 'seed' })).toContain(
      '`/train alpha=0.1 seed=42,43`',
    );
  });

  it('says a local run was a process, not an image', () => {
    const local = run({ alpha: 0.1 }, { provenance: { image: 'local', datasets: DATA } });
    expect(renderFooter({ runs: [local], sha: SHA, paramOrder: ORDER })).toContain(
      '- Image: local, not an image (`trainbot run`)',
    );
  });

  it('says what is not known yet while runs go on, and what was never read when none finished', () => {
    const queued = run({ alpha: 0.1 }, { state: 'queued', provenance: undefined });
    expect(renderFooter({ runs: [queued], sha: SHA, paramOrder: ORDER })).toContain(
      '- Image: not known until a run ends',
    );
    const failed = run({ alpha: 0.1 }, { state: 'failed', provenance: { image: IMAGE } });
    expect(renderFooter({ runs: [failed], sha: SHA, paramOrder: ORDER })).toContain(
      '- Data: not read, as no run finished',
    );
  });

  it('repeats a sweep with one grid command, the seeds as a list, in config order', () => {
    const footer = renderFooter({ runs: grid([0.1, 0.5, 1], [0.2, 0.8], [0, 1, 2]), sha: SHA, paramOrder: ORDER });
    expect(footer).toContain('<summary>Reproduce these 18 runs</summary>');
    expect(footer).toContain('- Params: `alpha=0.1,0.5,1 l1_ratio=0.2,0.8 seed=0,1,2`');
    expect(footer).toContain('(trains its head): `/train alpha=0.1,0.5,1 l1_ratio=0.2,0.8 seed=0,1,2`');
    // One image and one data set for the whole sweep, not one per run.
    expect(footer.split(IMAGE)).toHaveLength(2);
    expect(footer.split('9e3cd6ce')).toHaveLength(2);
  });

  it('gives runs that are not one grid a command each (a grid command would start others)', () => {
    const runs = [run({ alpha: 0.1, seed: 1 }), run({ alpha: 0.5, seed: 2 })];
    expect(renderFooter({ runs, sha: SHA, paramOrder: ORDER })).toContain(
      '(trains its head): `/train alpha=0.1 seed=1`; `/train alpha=0.5 seed=2`',
    );
  });

  it('types string values with spaces as the parser reads them, and quotes the shell word whatever it holds', () => {
    const footer = renderFooter({
      runs: [run({ alpha: 0.1, note: "it's a b" })],
      sha: SHA,
      paramOrder: ['alpha', 'note'],
    });
    expect(footer).toContain(`\`/train alpha=0.1 note="it's a b"\``);
    expect(footer).toContain(`trainbot run '/train alpha=0.1 note="it'\\''s a b"'\``);
  });

  it('escapes hostile values: no code span break, HTML, mention or line break gets out', () => {
    const hostile = '`</details><img src=x onerror=alert(1)> @octo-org/team\n# heading';
    const footer = renderFooter({
      runs: [
        run(
          { alpha: 0.1, note: hostile },
          { provenance: { image: `${hostile}@sha256:1`, datasets: [{ name: hostile, digest: '`x`\n' }] } },
        ),
      ],
      sha: `${SHA}\`; rm -rf ~`,
      paramOrder: ['alpha', 'note'],
    });
    // As GFM renders it: one <details> block, and every hostile value stays text inside it.
    const html = new Marked({ gfm: true }).parse(footer) as string;
    expect(html.match(/<details>/g)).toHaveLength(1);
    expect(html.match(/<\/details>/g)).toHaveLength(1);
    expect(html.trimEnd().endsWith('</details>')).toBe(true);
    expect(html).not.toMatch(/<img|<h1|<a /);
    expect(html.match(/<li>/g)).toHaveLength(6);
    // The odd sha is a quoted shell word, not a second command.
    expect(footer).toContain(`git checkout '${SHA}\`; rm -rf ~' && trainbot run`);
  });

  it('lists a sweep of many images and data sets up to a few and counts the rest', () => {
    const runs = Array.from({ length: 7 }, (_, i) =>
      run({ alpha: i }, { provenance: { image: `${IMAGE}${i}`, datasets: [{ name: 'wine', digest: `d${i}` }] } }),
    );
    const footer = renderFooter({ runs, sha: SHA, paramOrder: ORDER });
    expect(footer).toContain(`and ${7 - FOOTER_LIST_MAX} more`);
    expect(footer.split('@sha256:')).toHaveLength(FOOTER_LIST_MAX + 1);
  });

  it('never cuts a command: one too long to show whole is named by its length', () => {
    const long = 'x'.repeat(60);
    const runs = Array.from({ length: 20 }, (_, i) => run({ alpha: 0.1, note: `${long}${i}` }));
    const footer = renderFooter({ runs, sha: SHA, paramOrder: ['alpha', 'note'] });
    expect(footer).toMatch(/- Params: too long to show \(\d+ characters\); the runs' params are in MLflow/);
    expect(footer).not.toContain(`${long}0`);
    expect(FOOTER_COMMAND_MAX_CHARS).toBeLessThan(20 * 60);
  });

  it('stays within FOOTER_MAX_CHARS for a large sweep of long hostile values', () => {
    const value = '`@#<'.repeat(225); // 900 characters: each command fits its own cap, five do not fit together
    const runs = Array.from({ length: 1000 }, (_, i) =>
      run(
        { alpha: i, note: `${value}${i}` },
        { provenance: { image: `${value.repeat(4)}${i}`, datasets: [{ name: value.repeat(4), digest: `${i}` }] } },
      ),
    );
    const footer = renderFooter({ runs, sha: SHA, paramOrder: ['alpha', 'note'] });
    expect(footer.length).toBeLessThanOrEqual(FOOTER_MAX_CHARS);
    expect(footer).toContain('- Params and commands: too long to show');
  });

  it('is empty without runs', () => {
    expect(renderFooter({ runs: [], sha: SHA, paramOrder: ORDER })).toBe('');
  });
});
