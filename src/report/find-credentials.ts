// Finds what looks like a credential in log text, by its shape rather than its value: `NAME=value` and its
// JSON, Python-dict and YAML cousins when the name says credential (src/report/sensitive-key.ts),
// `Authorization: Bearer …`, `token <value>`, `user:password@` in URLs, well-known token prefixes and PEM
// private keys. Pure.
//
// A hand-written scanner, not regular expressions: it walks the text once, reads each word at most twice,
// every look-ahead either ends at the next space, quote or line end or is skipped over afterwards, and the
// one look back (key lines above an END line) stops at the last hidden span. So the work is linear in the
// text's length whatever it holds (`a=a=a=…`, a megabyte of `=`). The caller caps lines first.

import { CREDENTIAL_HINT, isSensitiveKey } from './sensitive-key.js';
import { charTable, is, knownTokenEnd } from './token-prefixes.js';

export type Mark = (start: number, end: number) => void;

const IDENT = charTable(/[A-Za-z0-9_.-]/);
const CREDENTIAL = charTable(/[A-Za-z0-9._~+/=-]/); // RFC 7235 token68: what a header credential is made of
const BASE64 = charTable(/[A-Za-z0-9+/=]/);

/** Values that say there is no credential; showing them helps whoever reads why a run failed. */
const PLACEHOLDERS = new Set(['none', 'null', 'nil', 'undefined', 'true', 'false', '[redacted]']);
const SCHEMES = new Set(['bearer', 'basic', 'token', 'digest']);
const HINT = new RegExp(CREDENTIAL_HINT.source, 'gi');
const PEM_BEGIN = '-----BEGIN ';
const PEM_END = '-----END ';

const [NL, CR, SPACE, TAB, QUOTE, APOSTROPHE, BACKTICK, BACKSLASH] = [10, 13, 32, 9, 34, 39, 96, 92];
const [DASH, SLASH, COLON, EQUALS, GREATER, AT, AMPERSAND, CLOSE_BRACKET] = [45, 47, 58, 61, 62, 64, 38, 93];
/** `/`, `@`, `?` and `#` end a URL's user:password part; so does a line end. */
const URL_AUTHORITY_END = new Set([SLASH, AT, 63, 35, NL, CR]);
const PY_STRING_PREFIXES = new Set([98, 114, 117, 66, 82, 85]); // b r u B R U
const isBlank = (c: number): boolean => c === SPACE || c === TAB;
const isQuote = (c: number): boolean => c === QUOTE || c === APOSTROPHE || c === BACKTICK;

/** What the word after a name or scheme must look like to be taken for a credential. */
type Looks = 'letters and digits' | 'bearer' | 'basic';

/** Calls `mark(start, end)` for every credential-shaped span of `text`, left to right. */
export function findCredentials(text: string, mark: Mark): void {
  new CredentialScanner(text, mark).scan();
}

// A class rather than closures: its methods are the same functions on every call, which V8 keeps optimized.
class CredentialScanner {
  private readonly n: number;
  /** A `name: MLFLOW_TRACKING_TOKEN` on this line (2) or the line before (1) makes a later `value:` secret. */
  private armed = 0;
  /** The end of the last hidden span: a look back never goes past it. */
  private lastEnd = 0;
  /** Where the next CREDENTIAL_HINT match ends (see hintIn). */
  private hintEnd = -1;
  /** Names already judged by isSensitiveKey: logs repeat them. */
  private readonly judged = new Map<string, boolean>();

  constructor(
    private readonly text: string,
    private readonly mark: Mark,
  ) {
    this.n = text.length;
  }

  scan(): void {
    const { text, n } = this;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === NL) {
        if (this.armed > 0) this.armed -= 1;
        i += 1;
      } else if (c === DASH && text.startsWith(PEM_BEGIN, i)) {
        i = this.pemBlock(i);
      } else if (c === DASH && text.startsWith(PEM_END, i)) {
        i = this.orphanPemEnd(i);
      } else if (c < 128 && IDENT[c] === 1) {
        let j = i + 1;
        while (j < n && is(IDENT, text.charCodeAt(j))) j += 1;
        i = this.word(i, j);
      } else if (c === COLON && this.at(i + 1) === SLASH && this.at(i + 2) === SLASH) {
        i = this.url(i);
      } else {
        i += 1;
      }
    }
  }

  /** The character code at `i`, or -1 outside the text. */
  private at(i: number): number {
    return i >= 0 && i < this.n ? this.text.charCodeAt(i) : -1;
  }

  private hide(start: number, end: number): void {
    this.mark(start, end);
    this.lastEnd = end;
  }

  private skipBlanks(i: number): number {
    while (isBlank(this.at(i))) i += 1;
    return i;
  }

  /** A word from `i` to `j`: a known token, a credential name, an auth scheme or an armed `value`. */
  private word(i: number, j: number): number {
    const token = knownTokenEnd(this.text, i);
    if (token !== -1) {
      this.hide(i, token);
      return token;
    }
    const length = j - i;
    if (length < 3 || length > 128) return j;
    const quote = isQuote(this.at(i - 1)) ? this.at(i - 1) : -1;
    const first = this.at(i) | 32;
    if ((length === 6 || length === 5) && (first === 98 || first === 118)) {
      // b…, v…
      const lower = this.text.slice(i, j).toLowerCase();
      if (lower === 'bearer' || lower === 'basic') return this.scheme(lower, j);
      if (lower === 'value' && this.armed > 0) {
        this.armed = 0;
        return this.afterName(j, quote);
      }
    }
    return this.hintIn(i, j) && this.sensitive(this.text.slice(i, j)) ? this.afterName(j, quote) : j;
  }

  /**
   * Whether a CREDENTIAL_HINT match lies in the word from `i` to `j`. One regex search that only moves
   * forward serves all words, so most words cost no string at all. A hint is letters only, so a match
   * never spans two words: it is in this word exactly when it ends by `j`.
   */
  private hintIn(i: number, j: number): boolean {
    if (this.hintEnd <= i) {
      HINT.lastIndex = i;
      this.hintEnd = HINT.test(this.text) ? HINT.lastIndex : this.n + 1;
    }
    return this.hintEnd <= j;
  }

  private sensitive(name: string): boolean {
    let verdict = this.judged.get(name);
    if (verdict === undefined) {
      verdict = isSensitiveKey(name);
      if (this.judged.size < 1000) this.judged.set(name, verdict);
    }
    return verdict;
  }

  /** The end of the token68 word at `i` when it is 8+ characters and looks like a credential, or -1. */
  private credentialAt(i: number, looks: Looks): number {
    let end = i;
    let letters = 0;
    let digits = 0;
    let others = 0;
    let caseMix = false;
    for (let c = this.at(end); is(CREDENTIAL, c); c = this.at(++end)) {
      if (c >= 48 && c <= 57) digits += 1;
      else if ((c | 32) >= 97 && (c | 32) <= 122) {
        letters += 1;
        if (c <= 90 && this.at(end - 1) >= 97 && this.at(end - 1) <= 122) caseMix = true; // aB
      } else others += 1;
    }
    if (end - i < 8) return -1;
    if (looks === 'basic') return isBasicCredential(this.text.slice(i, end)) ? end : -1;
    if (looks === 'bearer') return letters > 0 && (digits > 0 || others > 0 || caseMix) ? end : -1;
    return letters > 0 && digits > 0 ? end : -1;
  }

  /** `Bearer <credential>` and `Basic <base64 of user:password>`, in a header or not. */
  private scheme(lower: string, j: number): number {
    const k = this.skipBlanks(j);
    if (k === j) return j;
    const end = this.credentialAt(k, lower === 'bearer' ? 'bearer' : 'basic');
    if (end === -1) return j;
    this.hide(k, end);
    return end;
  }

  /** After a credential name ending at `j`: `= v`, `: v`, `=> v`, `:= v`, or `name v`. Returns where to go on. */
  private afterName(j: number, quote: number): number {
    let k = j;
    if (quote !== -1 && this.at(k) === quote) k += 1;
    else if (quote !== -1 && this.at(k) === BACKSLASH && this.at(k + 1) === quote) k += 2; // \"name\": in JSON in JSON
    if (quote !== -1 && this.at(k) === CLOSE_BRACKET) k += 1; // os.environ["NAME"] = v
    const blanks = this.skipBlanks(k);
    let sep = blanks;
    const c = this.at(sep);
    const next = this.at(sep + 1);
    if (c === EQUALS)
      sep += next === GREATER ? 2 : 1; // = =>
    else if (c === COLON && next !== COLON && next !== SLASH) sep += next === EQUALS ? 2 : 1; // : := (not :: or ://)
    if (sep > blanks) return this.hideValue(this.skipBlanks(sep));
    if (blanks > k) {
      const end = this.credentialAt(blanks, 'letters and digits');
      if (end !== -1) {
        this.hide(blanks, end);
        return end;
      }
    }
    this.armed = 2;
    return j;
  }

  /** Hides the value at `i` (quoted or not, after an optional auth scheme); returns where it ends. */
  private hideValue(i: number): number {
    let start = i;
    let letters = i;
    while ((this.at(letters) | 32) >= 97 && (this.at(letters) | 32) <= 122) letters += 1;
    if (letters > i && isBlank(this.at(letters)) && SCHEMES.has(this.text.slice(i, letters).toLowerCase()))
      start = this.skipBlanks(letters);
    // b'…', r"…" and u'…' are Python's spellings of a quoted string.
    if (PY_STRING_PREFIXES.has(this.at(start)) && isQuote(this.at(start + 1))) start += 1;
    const open = this.at(start);
    if (isQuote(open) || (open === BACKSLASH && isQuote(this.at(start + 1)))) return this.hideQuoted(start);
    let end = start;
    for (
      let c = this.at(end);
      c !== -1 && c !== NL && c !== CR && !isBlank(c) && !isQuote(c) && c !== AMPERSAND;
      c = this.at(++end)
    ) {
      if (c === BACKSLASH && isQuote(this.at(end + 1))) break; // the end of an escaped JSON string: `\"`
    }
    if (!this.isPlaceholder(start, end)) this.hide(start, end);
    return end;
  }

  /** A quoted value at `start` (`"…"`, `'…'`, or `\"…\"` inside a JSON string), to its closing quote or the line end. */
  private hideQuoted(start: number): number {
    const escaped = this.at(start) === BACKSLASH;
    const quote = escaped ? this.at(start + 1) : this.at(start);
    const from = start + (escaped ? 2 : 1);
    let end = from;
    for (let c = this.at(end); c !== -1 && c !== NL; c = this.at(end)) {
      if (escaped ? c === BACKSLASH && this.at(end + 1) === quote : c === quote) break;
      end += !escaped && c === BACKSLASH ? 2 : 1;
    }
    end = Math.min(end, this.n);
    if (!this.isPlaceholder(from, end)) this.hide(from, end);
    return end;
  }

  private isPlaceholder(start: number, end: number): boolean {
    if (end <= start) return true;
    if (end - start > 10) return false;
    const value = this.text.slice(start, end);
    return PLACEHOLDERS.has(value.toLowerCase()) || /^\*+$/.test(value);
  }

  /**
   * `scheme://user:password@host`: hides the password (or a token-like user with no password) and returns
   * where to go on: past the `@`, so that `x-access-token:` is not read as a name with a value.
   */
  private url(i: number): number {
    const from = i + 3;
    let colon = -1;
    let end = from;
    for (
      let c = this.at(end);
      c !== -1 && !URL_AUTHORITY_END.has(c) && !isBlank(c) && !isQuote(c);
      c = this.at(++end)
    ) {
      if (c === COLON && colon === -1) colon = end;
    }
    if (this.at(end) !== AT || end === from) return from;
    if (colon !== -1 && colon + 1 < end) this.hide(colon + 1, end);
    else if (colon === -1 && end - from >= 20 && this.credentialAt(from, 'letters and digits') >= end)
      this.hide(from, end);
    else return from;
    return end + 1;
  }

  /** A PEM private key from its BEGIN line to its END line (or the end of the text); returns where to go on. */
  private pemBlock(i: number): number {
    if (this.pemNameEnd(i + PEM_BEGIN.length) === -1) return i + 1;
    const endAt = this.text.indexOf(PEM_END, i + PEM_BEGIN.length);
    const stop = endAt === -1 ? this.n : Math.max(this.pemNameEnd(endAt + PEM_END.length), endAt + PEM_END.length);
    this.hide(i, stop);
    this.armed = 0;
    return stop;
  }

  /** After `-----BEGIN ` or `-----END `: the end of `… PRIVATE KEY…-----`, or -1 when it is another block. */
  private pemNameEnd(k: number): number {
    let end = k;
    while (end - k < 64 && ((this.at(end) >= 65 && this.at(end) <= 90) || this.at(end) === SPACE)) end += 1;
    if (!this.text.startsWith('-----', end) || !this.text.slice(k, end).includes('PRIVATE KEY')) return -1;
    return end + 5;
  }

  /** An END line whose BEGIN is not in the text (the tail cut it off): hides the key lines just above it too. */
  private orphanPemEnd(i: number): number {
    const stop = this.pemNameEnd(i + PEM_END.length);
    if (stop === -1) return i + 1;
    let start = i;
    // Up from the END line: the key's last line may be short, the ones above it are full (64 or 70 characters).
    for (let minChars = 1; start > this.lastEnd && this.at(start - 1) === NL; minChars = 40) {
      const lineEnd = start - 1;
      let lineStart = lineEnd;
      while (lineStart > this.lastEnd && this.at(lineStart - 1) !== NL) lineStart -= 1;
      if (!this.isKeyLine(lineStart, lineEnd, minChars)) break;
      start = lineStart;
    }
    this.hide(start, stop);
    return stop;
  }

  /** A PEM body line: `minChars` to 100 base64 characters (and a `\r`). */
  private isKeyLine(start: number, end: number, minChars: number): boolean {
    if (this.at(end - 1) === CR) end -= 1;
    if (end - start < minChars || end - start > 100) return false;
    for (let p = start; p < end; p += 1) if (!is(BASE64, this.at(p))) return false;
    return true;
  }
}

/** `Basic` credentials are base64 of `user:password` (printable text); the word after `Basic` in prose is not. */
function isBasicCredential(word: string): boolean {
  if (!/^[A-Za-z0-9+/]+=*$/.test(word) || word.length % 4 === 1) return false;
  const decoded = Buffer.from(word, 'base64').toString('latin1');
  for (let i = 0; i < decoded.length; i += 1)
    if (decoded.charCodeAt(i) < 0x20 || decoded.charCodeAt(i) > 0x7e) return false;
  return decoded.includes(':');
}
