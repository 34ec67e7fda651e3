// Makes text from a comment or a config file safe to show inside trainbot's markdown. Replies echo what a
// user typed, so the echo must never become an image, a link (written or automatic), a table cell break,
// an HTML tag, a mention or an issue reference.

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
