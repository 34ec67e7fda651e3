// The strings that give away a secret the bot holds: the value itself and the forms a program prints it in
// (URL-encoded, JSON-escaped, base64). Pure.
//
// Base64 is the subtle one: a secret inside a larger encoded text (`Basic base64(user:password)`, a
// base64'd env dump) shows up in one of three shapes, one per position of its first byte in a 3-byte
// group. For each shape, the characters made only of the secret's bytes are the same wherever the secret
// sits, so that "core" is searched for, and a hit hides the whole base64 word around it (the characters
// at its edges mix in the secret's first and last bytes).

export interface Needle {
  text: string;
  /** 'exact' hides the match; 'base64' hides the whole base64 word the match is in. */
  kind: 'exact' | 'base64';
}

/** Shorter given secrets would blank ordinary words (`a`, `at`): they are skipped. */
export const MIN_SECRET_CHARS = 4;
/** A shorter base64 core could occur by chance in unrelated base64. */
const MIN_BASE64_CORE = 12;
/** A line of a multi-line secret (a PEM key) this long is hidden on its own, as logs print it line by line. */
const MIN_SECRET_LINE = 16;

function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    // `offset` filler bytes put the secret's first byte at that place in its 3-byte group.
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const firstGroup = offset === 0 ? 0 : 1;
    const endGroup = Math.floor((offset + bytes.length) / 3);
    if (endGroup > firstGroup) cores.push(encoded.slice(firstGroup * 4, endGroup * 4));
  }
  return cores.filter((core) => core.length >= MIN_BASE64_CORE);
}

/** Every form of every secret worth looking for, longest first, without duplicates. */
export function secretNeedles(secrets: readonly string[]): Needle[] {
  const found = new Map<string, Needle['kind']>();
  const add = (text: string, kind: Needle['kind']) => {
    if (text.length >= MIN_SECRET_CHARS && !found.has(text)) found.set(text, kind);
  };
  const values = new Set<string>();
  for (const secret of secrets) {
    // A PEM key is looked for line by line (below): as a whole it starts with the `-----BEGIN` every key shares.
    if (!secret.trimStart().startsWith('-----')) values.add(secret);
    if (!/[\r\n]|\\n/.test(secret)) continue;
    // A key in an env var comes with real or escaped (`\n`) line breaks, and logs show it line by line.
    for (const line of secret.split(/\r?\n|\\n/).map((l) => l.trim())) {
      if (line.length >= MIN_SECRET_LINE && !line.startsWith('-----')) values.add(line);
    }
  }
  for (const value of values) {
    if (value.length < MIN_SECRET_CHARS) continue;
    add(value, 'exact');
    const url = encodeURIComponent(value);
    add(url, 'exact');
    add(
      url.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
      'exact',
    );
    add(url.replace(/%20/g, '+'), 'exact');
    add(JSON.stringify(value).slice(1, -1), 'exact');
    for (const core of base64Cores(value)) {
      add(core, 'base64');
      add(core.replace(/\+/g, '-').replace(/\//g, '_'), 'base64');
    }
  }
  return [...found].map(([text, kind]) => ({ text, kind })).sort((a, b) => b.text.length - a.text.length);
}

const BASE64_WORD = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-') BASE64_WORD[c.charCodeAt(0)] = 1;
const inBase64Word = (code: number): boolean => code < 128 && BASE64_WORD[code] === 1;

/** The first (longest) of `needles` that `text` has at `at`. A plain loop: a closure here would cost every position. */
function needleAt(text: string, at: number, needles: readonly Needle[] | undefined): Needle | undefined {
  for (const needle of needles ?? []) if (text.startsWith(needle.text, at)) return needle;
  return undefined;
}

/**
 * Calls `mark(start, end)` for every needle found in `text`, left to right. One pass: a table of the
 * needles' first two characters says at which positions one can start, so the cost does not grow with
 * the number of needles, and a hit is skipped over rather than searched again.
 */
export function findNeedles(
  text: string,
  needles: readonly Needle[],
  mark: (start: number, end: number) => void,
): void {
  if (needles.length === 0) return;
  const byPair = new Map<number, Needle[]>();
  const starts = new Uint8Array(65536);
  for (const needle of needles) {
    const key = ((needle.text.charCodeAt(0) & 0xff) << 8) | (needle.text.charCodeAt(1) & 0xff);
    starts[key] = 1;
    byPair.set(key, [...(byPair.get(key) ?? []), needle]); // longest first, as given
  }
  const n = text.length;
  let floor = 0; // a hit is not looked into again
  let previous = text.charCodeAt(0) & 0xff;
  for (let i = 1; i < n; i += 1) {
    const current = text.charCodeAt(i) & 0xff;
    const key = (previous << 8) | current;
    previous = current;
    const at = i - 1;
    if (starts[key] === 0 || at < floor) continue;
    const hit = needleAt(text, at, byPair.get(key));
    if (!hit) continue;
    let start = at;
    let end = at + hit.text.length;
    if (hit.kind === 'base64') {
      while (start > floor && inBase64Word(text.charCodeAt(start - 1))) start -= 1;
      while (end < n && inBase64Word(text.charCodeAt(end))) end += 1;
    }
    mark(start, end);
    floor = end;
  }
}
