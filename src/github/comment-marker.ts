// The hidden marker that lets trainbot find its own living comment on an issue again: an HTML comment
// is invisible in the rendered markdown but comes back verbatim from the API.
import { COMMENT_BODY_LIMIT, truncateText } from './github-limits.js';

const MARKER_KEY = /^[a-z0-9][a-z0-9._:-]*$/;

/** `<!-- trainbot:KEY -->`; the key is chosen by code, so a bad one is a programming error. */
export function commentMarker(key: string): string {
  if (!MARKER_KEY.test(key)) {
    throw new Error(`Comment key "${key}" must be lowercase letters, digits, ".", "_", ":" or "-".`);
  }
  return `<!-- trainbot:${key} -->`;
}

/** The body as posted: marker on the first line, then the body, cut to GitHub's limit. */
export function markedBody(key: string, body: string): string {
  const marker = commentMarker(key);
  return `${marker}\n${truncateText(body, COMMENT_BODY_LIMIT - marker.length - 1)}`;
}

/** Whether a posted body carries the marker for `key` (first line only, so a quote of it elsewhere does not count). */
export function hasMarker(body: string | null | undefined, key: string): boolean {
  if (!body) return false;
  const marker = commentMarker(key);
  return body === marker || body.startsWith(`${marker}\n`) || body.startsWith(`${marker}\r\n`);
}
