// How many monospace columns a table cell takes. string-width answers for any text, but loading it costs
// 65-85 ms (its Unicode-set regexes and an Intl.Segmenter are built at load), which was a fifth of
// `trainbot compare` as a whole process (docs/benchmarks.md). The cells trainbot writes are printable ASCII
// plus a few symbols of its own, so those are counted here, and string-width is loaded only for any other
// text (a param value or metric name in another script, a combining mark, a ZWJ sequence…). Pure.
import type StringWidth from 'string-width';

/**
 * The symbols trainbot's reports use, with string-width's answer for each (a unit test checks every one).
 * None of them joins its neighbours into one grapheme cluster, so a text made of them and printable ASCII is
 * as wide as the sum of its parts. A symbol followed by VS16 (U+FE0F) is its own entry: VS16 can change the width.
 */
export const KNOWN_WIDTHS: ReadonlyMap<string, number> = new Map([
  ...[...'…±→–—−Δ≤≥Γ×·'].map((c) => [c, 1] as const),
  ...[...'❌✅⚫⏳⌛➖〰📦🟤🟣🟢🟡🟠🚫🚀🔵🔴👀🏆🏃'].map((c) => [c, 2] as const),
  ['⚠\u{FE0F}', 2],
  ['〰\u{FE0F}', 2],
]);

let stringWidth: typeof StringWidth | undefined;

/** string-width, loaded on first use: synchronously, since markdown-table measures cells synchronously. */
function fullWidth(text: string): number {
  stringWidth ??= (
    process.getBuiltinModule('node:module').createRequire(import.meta.url)('string-width') as {
      default: typeof StringWidth;
    }
  ).default;
  return stringWidth(text);
}

/** The same number string-width gives, without loading it for printable ASCII and trainbot's own symbols. */
export function displayWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length;) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x20 && unit <= 0x7e) {
      width += 1;
      i += 1;
      continue;
    }
    const codePoint = text.codePointAt(i) as number;
    const size = codePoint > 0xffff ? 2 : 1;
    const withVs16 = text.charCodeAt(i + size) === 0xfe0f;
    const known = KNOWN_WIDTHS.get(text.slice(i, i + size + (withVs16 ? 1 : 0)));
    if (known === undefined) return fullWidth(text);
    width += known;
    i += size + (withVs16 ? 1 : 0);
  }
  return width;
}

/** Whether string-width has been loaded in this process (for the test that shows it is not, for ASCII). */
export const stringWidthLoaded = () => stringWidth !== undefined;
