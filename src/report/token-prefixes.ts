// Credentials that announce themselves: tokens whose issuer gives them a fixed prefix (`ghp_`, `xoxb-`,
// `sk-proj-`, `AKIA`, a JWT's `eyJ`). Pure, and linear: a prefix match reads one run of the token's own
// characters, which the caller then skips.

/** A lookup table of the ASCII characters `pattern` matches. */
export function charTable(pattern: RegExp): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c += 1) table[c] = pattern.test(String.fromCharCode(c)) ? 1 : 0;
  return table;
}
export const is = (table: Uint8Array, code: number): boolean => code >= 0 && code < 128 && table[code] === 1;

interface TokenRule {
  prefix: string;
  chars: Uint8Array;
  /** Characters of `chars` the prefix must be followed by. */
  min: number;
}
const ALNUM = charTable(/[A-Za-z0-9]/);
const ALNUM_UNDERSCORE = charTable(/[A-Za-z0-9_]/);
const URL_SAFE = charTable(/[A-Za-z0-9_-]/);
const JWT = charTable(/[A-Za-z0-9_.-]/);
const UPPER_DIGIT = charTable(/[A-Z0-9]/);
const TOKEN_RULES: readonly TokenRule[] = [
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((prefix) => ({ prefix, chars: ALNUM, min: 20 })), // GitHub
  { prefix: 'github_pat_', chars: ALNUM_UNDERSCORE, min: 20 },
  { prefix: 'glpat-', chars: URL_SAFE, min: 20 }, // GitLab
  ...['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe-', 'xapp-'].map((prefix) => ({
    prefix,
    chars: URL_SAFE,
    min: 10,
  })), // Slack
  { prefix: 'sk-', chars: URL_SAFE, min: 20 }, // OpenAI (sk-proj-…), Anthropic
  ...['sk_live_', 'sk_test_', 'rk_live_'].map((prefix) => ({ prefix, chars: ALNUM, min: 16 })), // Stripe
  ...['AKIA', 'ASIA'].map((prefix) => ({ prefix, chars: UPPER_DIGIT, min: 16 })), // AWS key ids
  { prefix: 'AIza', chars: URL_SAFE, min: 30 }, // Google API keys
  { prefix: 'hf_', chars: ALNUM, min: 30 }, // Hugging Face
  { prefix: 'npm_', chars: ALNUM, min: 30 },
  { prefix: 'pypi-', chars: URL_SAFE, min: 50 },
  { prefix: 'eyJ', chars: JWT, min: 30 }, // JWTs: base64 of `{"`
];
/** The rules by the first character of their prefix (all ASCII). */
const RULES_BY_FIRST: (TokenRule[] | undefined)[] = Array.from({ length: 128 }, () => undefined);
for (const rule of TOKEN_RULES) {
  const first = rule.prefix.charCodeAt(0);
  RULES_BY_FIRST[first] = [...(RULES_BY_FIRST[first] ?? []), rule];
}

/** The end of a known token that starts at `i` in `text`, or -1. A sentence's `.` or `-` after it is not part of it. */
export function knownTokenEnd(text: string, i: number): number {
  const rules = RULES_BY_FIRST[text.charCodeAt(i)];
  if (rules === undefined) return -1;
  for (const rule of rules) {
    if (!text.startsWith(rule.prefix, i)) continue;
    let end = i + rule.prefix.length;
    while (is(rule.chars, text.charCodeAt(end))) end += 1;
    while (end > i && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end -= 1;
    if (end - i - rule.prefix.length >= rule.min) return end;
  }
  return -1;
}
