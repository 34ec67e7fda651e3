// GitHub rejects a comment body over 65,536 characters and a check-run summary or text over 65,535
// (422 Unprocessable Entity), which would lose the whole report; cutting it short keeps the head and says so.

export const COMMENT_BODY_LIMIT = 65_536;
export const CHECK_OUTPUT_LIMIT = 65_535;

/** The line that replaces whatever was cut off. */
export function truncationNotice(omitted: number): string {
  return `\n\n…truncated (${omitted} characters omitted)`;
}

/**
 * `text` unchanged when it fits in `limit` characters, else as much of its head as fits before a
 * visible notice. Lengths are UTF-16 code units, never fewer than GitHub's count, and a surrogate
 * pair is never split.
 */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  // The notice's length depends on the count it prints: start from the longest notice possible, then
  // grow the head while the shorter count leaves room (at most a few steps, one per digit dropped).
  let head = limit - truncationNotice(text.length).length;
  if (head < 0) throw new RangeError(`A limit of ${limit} characters leaves no room for the truncation notice.`);
  while (head + 1 + truncationNotice(text.length - head - 1).length <= limit) head += 1;
  if (isHighSurrogate(text.charCodeAt(head - 1))) head -= 1;
  return text.slice(0, head) + truncationNotice(text.length - head);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
