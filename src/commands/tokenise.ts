// Splits the arguments of a `/train` line into words, with the quoting a shell user expects and nothing
// else a shell does (no variables, globs or escapes outside quotes):
//   - spaces and tabs separate words; a word may mix plain and quoted parts: label="my run" is one word;
//   - '…' is literal; inside "…" only \" and \\ are escapes, any other backslash stays as typed
//     (so "C:\data" keeps its backslash);
//   - a quote left open is returned as a value, never thrown.
// Each word keeps which parts were quoted, because a quoted `,` or `=` is text, not syntax.

export interface TokenPart {
  text: string; // the part's value, quotes removed and escapes applied
  raw: string; // the part as typed
  quoted: boolean;
}

export interface Token {
  raw: string; // the whole word as typed
  parts: TokenPart[];
}

export type TokeniseResult =
  { type: 'tokens'; tokens: Token[] } | { type: 'unterminated'; quote: '"' | "'"; rest: string }; // rest: from the open word's start to the end

const isSeparator = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** Reads a quoted part starting at `open` (the quote); undefined when it is never closed. */
function readQuoted(input: string, open: number): { text: string; end: number } | undefined {
  const quote = input[open];
  if (quote === "'") {
    const close = input.indexOf("'", open + 1);
    return close < 0 ? undefined : { text: input.slice(open + 1, close), end: close + 1 };
  }
  let text = '';
  let i = open + 1;
  while (i < input.length) {
    const c = input[i];
    if (c === '"') return { text, end: i + 1 };
    const next = input[i + 1];
    if (c === '\\' && (next === '"' || next === '\\')) {
      text += next;
      i += 2;
    } else {
      text += c;
      i += 1;
    }
  }
  return undefined;
}

/** The words of `input`, in order; linear in its length. */
export function tokenise(input: string): TokeniseResult {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    while (isSeparator(input[i])) i += 1;
    if (i >= input.length) break;
    const start = i;
    const parts: TokenPart[] = [];
    while (i < input.length && !isSeparator(input[i])) {
      const c = input[i];
      if (c === '"' || c === "'") {
        const quoted = readQuoted(input, i);
        if (quoted === undefined) return { type: 'unterminated', quote: c, rest: input.slice(start) };
        parts.push({ text: quoted.text, raw: input.slice(i, quoted.end), quoted: true });
        i = quoted.end;
      } else {
        const plainStart = i;
        while (i < input.length && !isSeparator(input[i]) && input[i] !== '"' && input[i] !== "'") i += 1;
        const plain = input.slice(plainStart, i);
        parts.push({ text: plain, raw: plain, quoted: false });
      }
    }
    tokens.push({ raw: input.slice(start, i), parts });
  }
  return { type: 'tokens', tokens };
}

/** How to type `value` so that tokenise reads it back as one value of a comma list. */
export function typedValue(value: string): string {
  if (value !== '' && !/[\s,="'\\]/.test(value)) return value;
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
