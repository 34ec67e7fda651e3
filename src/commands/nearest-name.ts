// "Did you mean …?" for a misspelt name: a config key, a `/train` subcommand, a parameter. Pure and cheap
// on hostile input: only names of at most MAX_NAME_CHARS are compared, so one lookup costs at most
// candidates × 64 × 64 steps however long the typed word is; what it returns is always one of the candidates,
// never the typed text, so callers can show it without escaping the user's input.

const MAX_NAME_CHARS = 64;

/**
 * Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`, or `limit + 1` as soon as
 * the answer is known to exceed `limit`: the optimal-string-alignment distance, so `defualt` is one edit
 * from `default`, as a reader counts it.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  const s = Array.from(a);
  const t = Array.from(b);
  if (Math.abs(s.length - t.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= t.length; j += 1) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        d = Math.min(d, (before[j - 2] as number) + 1);
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[t.length] as number;
}

/**
 * The candidate closest to `typed` (case ignored), when it is close enough to be a slip rather than another
 * word: at most one edit for names up to 5 characters, two up to 8, three beyond. Ties go to the earlier
 * candidate; an exact match is not a suggestion.
 */
export function nearestName(typed: string, candidates: readonly string[]): string | undefined {
  if (typed.length > MAX_NAME_CHARS) return undefined;
  const word = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === typed || candidate.length > MAX_NAME_CHARS) continue;
    const longer = Math.max(Array.from(word).length, candidate.length);
    const limit = longer <= 5 ? 1 : longer <= 8 ? 2 : 3;
    const d = editDistance(word, candidate.toLowerCase(), Math.min(limit, bestDistance - 1));
    if (d <= limit && d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}
