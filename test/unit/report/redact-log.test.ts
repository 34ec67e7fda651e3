import { describe, expect, it } from '@jest/globals';
import { redact, tailLog } from '../../../src/report/redact-log.js';

// Built at run time so this file holds no string a secret scanner would flag.
const ghp = `ghp_${'A1b2C3d4E5'.repeat(4)}`;
const pat = `github_pat_${'11ABCDEFG0'.repeat(3)}_${'x'.repeat(40)}`;
const akia = `AKIA${'IOSFODNN7EXAMPLE'}`;
const armour = (word: string, kind = 'RSA ') => `-----${word} ${kind}${'PRIVATE'} KEY-----`;
const keyBlock = [
  armour('BEGIN'),
  'MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn',
  'c2VjcmV0IGtleSBtYXRlcmlhbA==',
  armour('END'),
].join('\n');

describe('redact', () => {
  it.each([
    ['a classic GitHub token', `token is ${ghp} ok`, 'token is [REDACTED] ok'],
    ['a GitHub server-to-server token', `ghs_${'z'.repeat(36)} used`, '[REDACTED] used'],
    ['a fine-grained GitHub token', `using ${pat}`, 'using [REDACTED]'],
    ['an AWS access key id', `aws_access_key_id=${akia}`, 'aws_access_key_id=[REDACTED]'],
    ['an AWS key id in a sentence', `key ${akia} loaded`, 'key [REDACTED] loaded'],
    ['a private key block', `before\n${keyBlock}\nafter`, 'before\n[REDACTED]\nafter'],
    [
      'an unterminated private key block, to the end',
      `before\n${armour('BEGIN', '')}\nMIIE\nabc`,
      'before\n[REDACTED]',
    ],
    ['PASSWORD=value', 'DB_PASSWORD=hunter2hunter2 next', 'DB_PASSWORD=[REDACTED] next'],
    ['a token in YAML style', 'mlflow_tracking_token: s3cr3t-value', 'mlflow_tracking_token: [REDACTED]'],
    ['an API key with spaces around =', 'OPENAI_API_KEY = sk-abc123', 'OPENAI_API_KEY = [REDACTED]'],
    [
      'a bearer token header',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
      'Authorization: Bearer [REDACTED]',
    ],
    ['a basic auth header', 'authorization: basic dXNlcjpwYXNzd29yZA==', 'authorization: basic [REDACTED]'],
    [
      'a password in a URL',
      'connecting to https://user:pa55word@db.example.com/mlflow',
      'connecting to https://user:[REDACTED]@db.example.com/mlflow',
    ],
    [
      'a password in a postgres URL',
      'postgresql+psycopg2://postgres:pw@127.0.0.1:5432/mlflow',
      'postgresql+psycopg2://postgres:[REDACTED]@127.0.0.1:5432/mlflow',
    ],
  ])('hides %s', (_, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('hides every occurrence of a secret value it was given, whatever its shape', () => {
    expect(redact('token=abc… then xq-71-secret-zz twice: xq-71-secret-zz.', ['xq-71-secret-zz'])).toBe(
      'token=[REDACTED] then [REDACTED] twice: [REDACTED].',
    );
  });

  it('ignores given secrets shorter than 4 characters, which would blank ordinary words', () => {
    expect(redact('a cat sat', ['a', 'at'])).toBe('a cat sat');
  });

  it('leaves ordinary training output alone', () => {
    const log =
      'Epoch 3/10 loss=0.512 rmse: 0.6123\nSaved model to models/m-1 (user@example.com)\nhttps://mlflow.test/#/experiments/1';
    expect(redact(log)).toBe(log);
  });
});

describe('tailLog', () => {
  const log = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n');

  it('keeps the last N lines', () => {
    expect(tailLog(log, { lines: 3 })).toBe('line 48\nline 49\nline 50');
  });

  it('drops trailing blank lines before counting', () => {
    expect(tailLog(`${log}\n\n  \n`, { lines: 2 })).toBe('line 49\nline 50');
  });

  it('cuts long lines with an ellipsis, 300 characters by default', () => {
    expect(tailLog(`${'a'.repeat(1000)}\nshort`, { lines: 5 })).toBe(`${'a'.repeat(300)}…\nshort`);
    expect(tailLog('abcdefgh', { lines: 1, maxLineChars: 3 })).toBe('abc…');
  });

  it('redacts before cutting, so a secret straddling the cut is not half shown', () => {
    const line = `${'x'.repeat(280)} PASSWORD=${'p'.repeat(40)}`;
    expect(tailLog(line, { lines: 1 })).toBe(`${'x'.repeat(280)} PASSWORD=[REDACTED]`);
    expect(tailLog(`${'y'.repeat(295)}abcdefghij`, { lines: 1, secrets: ['abcdefghij'] })).toBe(
      `${'y'.repeat(295)}[REDA…`,
    );
  });

  it('redacts a secret the bot holds even in the kept lines only', () => {
    expect(tailLog('old line\nusing xq-71-secret-zz', { lines: 1, secrets: ['xq-71-secret-zz'] })).toBe(
      'using [REDACTED]',
    );
  });

  it('gives an empty string for an empty log', () => {
    expect(tailLog('', { lines: 10 })).toBe('');
  });
});
