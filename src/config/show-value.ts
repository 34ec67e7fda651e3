// A config value shown back in an error message. The value comes from a pull request's YAML, so it is escaped
// for markdown and cut short.
import { quoteInput } from '../report/markdown-escape.js';

/** `value` quoted for a message: escaped, at most 40 characters, `nothing` when absent. */
export function show(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  // String() for numbers: JSON.stringify turns NaN and Infinity (YAML `.nan`, `.inf`) into "null".
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number'
        ? String(value)
        : (JSON.stringify(value) ?? String(value));
  return `"${quoteInput(text)}"`;
}
