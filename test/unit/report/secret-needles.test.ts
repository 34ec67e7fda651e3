import { describe, expect, it } from '@jest/globals';
import { findNeedles, secretNeedles } from '../../../src/report/secret-needles.js';

const secret = ['tok', 'Held', 'Secret', '7781'].join('-'); // built at run time: no literal a scanner flags
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The spans findNeedles marks, as the text they cover. */
function found(text: string, secrets: string[]): string[] {
  const spans: string[] = [];
  findNeedles(text, secretNeedles(secrets), (start, end) => spans.push(text.slice(start, end)));
  return spans;
}

describe('secretNeedles', () => {
  it('looks for the value, its URL and JSON escapes, and a base64 core for each byte offset', () => {
    const needles = secretNeedles(['a/b "c" d1234567']);
    const texts = needles.map((n) => n.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        'a/b "c" d1234567',
        'a%2Fb%20%22c%22%20d1234567',
        'a%2Fb+%22c%22+d1234567',
        'a/b \\"c\\" d1234567',
      ]),
    );
    expect(needles.filter((n) => n.kind === 'base64')).toHaveLength(3); // one per byte offset
    expect(texts).toEqual([...texts].sort((a, b) => b.length - a.length));
  });

  it('looks for the URL-safe spelling of a base64 core that has `+` or `/`', () => {
    const cores = secretNeedles(['~~~???~~~???~~~'])
      .filter((n) => n.kind === 'base64')
      .map((n) => n.text);
    expect(cores).toContain('fn5+Pz8/fn5+Pz8/fn5+');
    expect(cores).toContain('fn5-Pz8_fn5-Pz8_fn5-');
  });

  it('looks for a PEM key line by line, without the armour lines every key shares', () => {
    const body = 'MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn';
    const pem = ['-----BEGIN RSA PRIVATE KEY-----', body, 'short', '-----END RSA PRIVATE KEY-----'].join('\\n');
    expect(
      secretNeedles([pem])
        .filter((n) => n.kind === 'exact')
        .map((n) => n.text),
    ).toEqual([body]);
  });

  it('still looks for a one-line secret that holds a literal backslash-n as a whole', () => {
    expect(secretNeedles(['pa\\nss-word']).map((n) => n.text)).toContain('pa\\nss-word');
  });

  it('skips values shorter than 4 characters and base64 cores shorter than 12', () => {
    expect(secretNeedles(['abc'])).toEqual([]);
    expect(secretNeedles(['abcdefgh']).filter((n) => n.kind === 'base64')).toEqual([]);
  });
});

describe('findNeedles', () => {
  it.each([0, 1, 2, 3, 4, 5])(
    'finds the secret in base64 with %i bytes before it, and marks the whole base64 word',
    (k) => {
      const word = b64(`${'p'.repeat(k)}${secret}${'s'.repeat(k)}`);
      expect(found(`x ${word} y`, [secret])).toEqual([word]);
    },
  );

  it('finds every occurrence, the longest needle first where two start together', () => {
    expect(found(`${secret}-more and ${secret}`, [secret, `${secret}-more`])).toEqual([`${secret}-more`, secret]);
  });

  it('finds nothing when no secrets are given', () => {
    expect(found(secret, [])).toEqual([]);
  });
});
