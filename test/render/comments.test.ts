// trainbot's comments as a person sees them on GitHub: each kind the bot posts, made by the bot's own code,
// rendered by a GFM renderer and the real Mermaid in headless Chromium (test/support/github-view.ts). A
// table must come out as one table of the right shape, a <details> as one block with its summary, a chart
// as a drawn svg. The broken variants prove each check can fail. Needs Debian's chromium (scripts/setup.sh).
import { beforeAll, describe, expect, it } from '@jest/globals';
import { type CommentSample, commentSamples, renderingProblems } from '../support/comment-samples.js';
import { type RenderedSample, probeInChromium } from '../support/github-view.js';
import { COMMENT_BODY_LIMIT } from '../../src/github/github-limits.js';
import { edit } from '../unit/config/repo-config.js';

const KINDS = [
  'single-run',
  'sweep',
  'failure',
  'merge-report',
  'repeats-sweep',
  'sweep-at-the-limit',
  'failures-at-the-limit',
  'hostile-failure',
  'help',
];
let samples: CommentSample[];
let rendered: Map<string, RenderedSample>;

/** A sample with one deliberate breakage: the same expectations must now report a problem. */
function broken(from: CommentSample, name: string, find: string, replace: string): CommentSample {
  return { ...from, name, markdown: edit(from.markdown, find, replace) };
}

const sample = (name: string) => samples.find((s) => s.name === name) as CommentSample;
const problemsOf = (name: string, kind = name) =>
  renderingProblems(sample(kind).expected, rendered.get(name) as RenderedSample);

beforeAll(async () => {
  samples = await commentSamples();
  const sweep = sample('sweep');
  const breakages = [
    // A quote left inside a Mermaid string, the bug render-chart's mermaidText exists to prevent.
    broken(sweep, 'broken-chart', 'title "rmse by alpha"', 'title "rmse by "alpha""'),
    // A series lost: the chart still draws, with one line where the caption names two.
    broken(sweep, 'broken-chart-lines', '    line [0.6640, 0.6560, 0.6685]\n', ''),
    // A line break inside a cell: the row ends early and the rest becomes a row of its own.
    broken(sample('single-run'), 'broken-table', '| mae ', '| m\nae '),
    // The log tail's fence left open: it swallows </details>, which then shows as text.
    broken(sample('failure'), 'broken-details', '```\n</details>', '</details>'),
  ];
  // One Chromium for every sample: starting it is most of the cost.
  const results = await probeInChromium([...samples, ...breakages]);
  rendered = new Map(results.map((r) => [r.name, r]));
}, 120_000);

describe('each comment renders on GitHub as it should', () => {
  it('covers every kind of comment trainbot posts', () => {
    expect(samples.map((s) => s.name)).toEqual(KINDS);
  });

  it.each(KINDS)('%s: one table per table of the right shape, whole <details>, drawn charts', (kind) => {
    expect(rendered.get(kind)).toBeDefined();
    expect(problemsOf(kind)).toEqual([]);
  });

  it('cuts a 1,000-run sweep to whole rows that fit, and says how many were left out', () => {
    const { markdown } = sample('sweep-at-the-limit');
    expect(markdown.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT);
    expect(markdown).not.toContain('…truncated');
    const shown = (rendered.get('sweep-at-the-limit')?.tables[0]?.rows ?? 0) - 1;
    expect(shown).toBeGreaterThan(300);
    expect(markdown).toContain(
      `\n\n… and ${1000 - shown} more runs, not shown to stay within GitHub's comment size; all are in MLflow.\n`,
    );
  });

  it('fits twenty failed runs with long logs in one comment: whole logs, then how many were left out', () => {
    const { markdown } = sample('failures-at-the-limit');
    expect(markdown.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT);
    expect(markdown).not.toContain('…truncated');
    expect(rendered.get('failures-at-the-limit')?.details.length).toBeGreaterThan(0);
  });

  it('draws the sweep chart as an svg without a Mermaid error', () => {
    expect(rendered.get('sweep')?.mermaid).toEqual([{ error: null, svg: true, lines: 2 }]);
  });

  it('draws the chart of a sweep with repeats: the means as bars, the lowest and highest seed as two lines', () => {
    expect(sample('repeats-sweep').markdown).toContain('    bar [');
    expect(rendered.get('repeats-sweep')?.mermaid).toEqual([{ error: null, svg: true, lines: 2 }]);
  });

  it("draws the merge report's trend of main's baselines as an svg with one line", () => {
    expect(sample('merge-report').markdown).toContain(
      '    x-axis "commit" ["7d41e0b", "0c9a5f3", "1f3a9c2", "5c7d0e8"]',
    );
    expect(rendered.get('merge-report')?.mermaid).toEqual([{ error: null, svg: true, lines: 1 }]);
  });
});

describe('a broken comment fails the check', () => {
  it('reports the parse error of a broken Mermaid chart', () => {
    expect(problemsOf('broken-chart', 'sweep')).toEqual([
      expect.stringMatching(/^chart 1: Mermaid reports .*(Parse error|Expecting)/),
    ]);
  });

  it('reports a chart that lost a line', () => {
    expect(problemsOf('broken-chart-lines', 'sweep')).toEqual(['chart 1 draws 1 lines, 2 expected']);
  });

  it('reports a table that GFM broke apart', () => {
    expect(problemsOf('broken-table', 'single-run')).toEqual(['table 1 is 5×5, 4×5 expected']);
  });

  it('reports a <details> block whose code fence swallowed its end', () => {
    // The log's code block runs on to the end: the comment ends inside it, with `</details>` as its last text.
    expect(problemsOf('broken-details', 'failure')).toEqual([
      expect.stringMatching(/^the comment ends with DETAILS: /),
    ]);
    expect(rendered.get('broken-details')?.lastBlock).toMatch(/<\/details>$/);
  });
});
