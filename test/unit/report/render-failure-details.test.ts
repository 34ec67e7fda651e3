import { describe, expect, it } from '@jest/globals';
import { renderFailureDetails } from '../../../src/report/render-failure-details.js';

const log = (i: number, size = 100) => `line ${i}\n${'x'.repeat(size)}`;

describe('renderFailureDetails', () => {
  it('collapses the log of each failed run that has one, with a ``` inside unable to end the fence', () => {
    expect(renderFailureDetails([{ name: 'r1', logTail: 'boom\n```\n# not a heading' }, { name: 'r2' }])).toBe(
      "<details><summary>Last lines of r1</summary>\n\n```text\nboom\n'''\n# not a heading\n```\n</details>",
    );
    expect(renderFailureDetails([{ name: 'r2' }])).toBe('');
  });

  it('keeps whole logs within the budget, never one cut inside its fence, and says how many were left out', () => {
    const runs = Array.from({ length: 20 }, (_, i) => ({ name: `r${i}`, logTail: log(i, 9000) }));
    const text = renderFailureDetails(runs, 50_000);
    expect(text.length).toBeLessThanOrEqual(50_000);
    const shown = text.split('<details>').length - 1;
    expect(shown).toBe(5);
    expect(text.split('</details>').length - 1).toBe(shown);
    // After a blank line: next to `</details>` it would be raw HTML text, its underscores shown as they are.
    expect(text).toMatch(
      /<\/details>\n\n_The logs of 15 more failed runs are not shown, to stay within GitHub's comment size\._$/,
    );
    // One more log would not have fitted.
    expect(text.length + 9000).toBeGreaterThan(50_000);
  });

  it('counts the line about the rest in the budget, and needs no such line when the last log just fits', () => {
    const runs = [
      { name: 'a', logTail: log(1) },
      { name: 'b', logTail: log(2) },
    ];
    const whole = renderFailureDetails(runs);
    expect(renderFailureDetails(runs, whole.length)).toBe(whole);
    const cut = renderFailureDetails(runs, whole.length - 1);
    expect(cut.split('\n').at(-1)).toBe(
      "_The logs of 1 more failed run are not shown, to stay within GitHub's comment size._",
    );
    expect(cut.length).toBeLessThanOrEqual(whole.length - 1);
  });
});
