// The end of each failed run's log, under the report and collapsed: a reader opens the one they need. Pure.
// The comment has room for the report first, then for as many whole logs as fit. A log is never cut inside
// its code fence: GitHub would hide everything after it in that code block, the notice of the cut included.
// A last line says how many logs were left out.

export interface FailedRunLog {
  name: string;
  logTail?: string; // redacted already (src/report/redact-log.ts)
}

function block(run: FailedRunLog): string {
  // A ``` inside the log would close the fence early and let the rest of the log render as markdown.
  return `<details><summary>Last lines of ${run.name}</summary>\n\n\`\`\`text\n${run.logTail?.replace(/```/g, "'''")}\n\`\`\`\n</details>`;
}

function leftOut(count: number): string {
  return `_The logs of ${count} more failed run${count === 1 ? '' : 's'} are not shown, to stay within GitHub's comment size._`;
}

/** The collapsed log tails of `runs` that have one, in at most `budget` characters ('' when there are none). */
export function renderFailureDetails(runs: readonly FailedRunLog[], budget = Number.POSITIVE_INFINITY): string {
  const blocks = runs.filter((r) => r.logTail).map(block);
  const kept: string[] = [];
  let used = 0;
  for (const [i, text] of blocks.entries()) {
    const rest = blocks.length - i - 1;
    // Room for this block, and for the line about the rest should any be left out after it.
    const after = used + (kept.length > 0 ? 1 : 0) + text.length;
    if (after + (rest > 0 ? 2 + leftOut(rest).length : 0) > budget) break;
    kept.push(text);
    used = after;
  }
  const cut = blocks.length - kept.length;
  // The blank line ends the HTML block that `</details>` opened: without it the line would be raw HTML text.
  return cut > 0 ? `${kept.join('\n')}${kept.length > 0 ? '\n\n' : ''}${leftOut(cut)}` : kept.join('\n');
}
