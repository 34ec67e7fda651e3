// The one place trainbot makes outside text safe inside its markdown: escaped prose, quoted input and code
// spans. Replies echo what a user typed, and reports show run names, params and reasons from MLflow and the
// runner, so none of it may become an image, a link (written or automatic), a table cell break, an HTML tag,
// a mention or an issue reference.

/** How many characters of user input a message echoes before cutting it off with `…`. */
export const QUOTE_MAX_CHARS = 40;

// Backslash first among equals: without escaping it, input `\*` would turn our `\*` into `\\*` and the
// star would become live emphasis again. `~` (strikethrough) and `&` (entities) for the same reason.
const MARKDOWN_SPECIAL = /[\\`*_[\]<>|~&]/g;
// Controls, format characters (zero-width spaces and joiners, bidi marks and overrides), line/paragraph
// separators and everything Unicode says to draw as nothing: invisible or layout-changing, so shown as U+FFFD.
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
// A word joiner after `@` keeps `@org/team` from pinging anyone when the bot echoes it.
const MENTION = /@/g;
// GitHub links `www.…` and `scheme://…` by itself, and `#12` to an issue (which then lists the bot's
// comment as a reference). A word joiner inside each keeps the text as it was typed, but plain.
const AUTOLINK = /(?<=www)(?=\.)|(?<=:)(?=\/\/)|(?<=#)(?=\d)/gi;
const WORD_JOINER = '\u2060';

/** Escapes markdown, HTML, mentions, autolinks and issue references in `text`, keeping it on one line; no truncation. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(CONTROL, (c) => (c === '\n' || c === '\r' || c === '\t' ? ' ' : '\uFFFD'))
    .replace(MARKDOWN_SPECIAL, (c) => `\\${c}`)
    .replace(MENTION, `@${WORD_JOINER}`)
    .replace(AUTOLINK, WORD_JOINER);
}

/**
 * User input ready to quote in a message: cut to `max` characters (whole code points, so an emoji is never
 * split) with `…` appended when cut, then escaped.
 */
export function quoteInput(text: string, max: number = QUOTE_MAX_CHARS): string {
  let end = 0;
  let count = 0;
  while (end < text.length && count < max) {
    const code = text.codePointAt(end) ?? 0;
    end += code > 0xffff ? 2 : 1;
    count += 1;
  }
  const cut = end < text.length ? `${text.slice(0, end)}…` : text;
  return escapeMarkdown(cut);
}

// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's purpose
const C0_C1 = /[\u0000-\u001f\u007f-\u009f]/g;

/** How many characters a code span shows: run names and params keys are bounded, but MLflow values are not. */
export const CODE_SPAN_MAX_CHARS = 200;

/**
 * `text` as an inline code span. Backslash escapes do not work inside one, so it is fenced by more backticks
 * than it contains (CommonMark's rule), padded when it starts or ends with one; line breaks and other controls
 * become spaces, and it is cut to `max` characters.
 */
export function codeSpan(text: string, max: number = CODE_SPAN_MAX_CHARS): string {
  const flat = [...text].slice(0, max).join('').replace(C0_C1, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A code span inside a table cell: GFM splits cells at `|` before it sees code spans. */
export function cellCode(text: string, max?: number): string {
  return codeSpan(text, max).replace(/\|/g, '\\|');
}
