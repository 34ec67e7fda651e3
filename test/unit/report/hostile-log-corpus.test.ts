// A corpus of log lines written to leak a secret or to stall the redactor, and of ordinary lines that must
// come through unchanged. The code under test writes the log, so every form here is one it can choose.
// Token-shaped strings are built at run time, so this file holds nothing a secret scanner would flag.
import { describe, expect, it } from '@jest/globals';
import { LINE_CAP, redact, tailLog } from '../../../src/report/redact-log.js';

const R = '[REDACTED]';
const held = ['tok', 'Held', 'Secret', '7781'].join('-'); // a value the bot holds: tok-Held-Secret-7781
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const token = {
  ghp: `ghp_${'A1b2C3d4E5'.repeat(4)}`,
  gho: `gho_${'Z9y8X7w6V5'.repeat(3)}`,
  ghs: `ghs_${'q'.repeat(36)}`,
  pat: `github_pat_${'11ABCDEFG0'.repeat(3)}_${'x'.repeat(40)}`,
  xoxb: ['xoxb', '1234567890', '0987654321', 'AbCdEfGhIjKl'].join('-'),
  xoxp: ['xoxp', '1111111111', '2222222222', 'ZyXwVuTsRq'].join('-'),
  glpat: `glpat-${'Ab3_dE6-gH9'.repeat(2)}`,
  skProj: `sk-proj-${'aB3dE6gH9jK'.repeat(4)}`,
  sk: `sk-${'T3BlbkFJ'.repeat(6)}`,
  akia: `AKIA${'IOSFODNN7EXAMPLE'}`,
  hf: `hf_${'AbCdEfGhIj'.repeat(4)}`,
  jwt: `${b64url('{"alg":"HS256"}')}.${b64url('{"sub":"trainer","exp":1999999999}')}.c2lnbmF0dXJl`,
};
const armour = (word: string, kind: string) => `-----${word} ${kind}-----`;
const keyLines = [
  'MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn'.padEnd(64, 'Q'),
  'c2VjcmV0IGtleSBtYXRlcmlhbA'.padEnd(64, 'x'),
  'c2VjcmV0IGtleSBtYXRlcmlhbA==',
];
const privateKey = (kind = 'RSA PRIVATE KEY') => [armour('BEGIN', kind), ...keyLines, armour('END', kind)].join('\n');

describe('redaction of hostile logs', () => {
  it.each<[string, string, string]>([
    // Environment dumps, whatever prints them.
    [
      'print(os.environ)',
      `environ({'PATH': '/usr/bin', 'MLFLOW_TRACKING_TOKEN': 'tok-abc123', 'HOME': '/root'})`,
      `environ({'PATH': '/usr/bin', 'MLFLOW_TRACKING_TOKEN': '${R}', 'HOME': '/root'})`,
    ],
    ['`env`', 'MLFLOW_TRACKING_PASSWORD=hunter2hunter2', `MLFLOW_TRACKING_PASSWORD=${R}`],
    ['a shell export with quotes', 'export GITHUB_TOKEN="two words"', `export GITHUB_TOKEN="${R}"`],
    ['a bytes repr', "{b'AWS_SECRET_ACCESS_KEY': b'wJalrXUtnFEMI/K7MDENG'}", `{b'AWS_SECRET_ACCESS_KEY': b'${R}'}`],
    [
      'a Kubernetes env entry',
      '{"name": "MLFLOW_TRACKING_TOKEN", "value": "tok-abc123"}, {"name": "HOME", "value": "/root"}',
      `{"name": "MLFLOW_TRACKING_TOKEN", "value": "${R}"}, {"name": "HOME", "value": "/root"}`,
    ],
    [
      'a Kubernetes env entry in YAML',
      '- name: TRAINBOT_SIGNING_KEY\n  value: 0123abcd0123abcd\n- name: HOME\n  value: /root',
      `- name: TRAINBOT_SIGNING_KEY\n  value: ${R}\n- name: HOME\n  value: /root`,
    ],
    // JSON and friends.
    [
      'JSON',
      '{"MLFLOW_TRACKING_TOKEN": "tok-abc123", "rmse": 0.74}',
      `{"MLFLOW_TRACKING_TOKEN": "${R}", "rmse": 0.74}`,
    ],
    ['compact JSON with an escaped quote', '{"password":"p@ss\\"word","user":"me"}', `{"password":"${R}","user":"me"}`],
    [
      'JSON inside a JSON string',
      '{"msg": "{\\"api_key\\": \\"abc123xyz\\"}"}',
      `{"msg": "{\\"api_key\\": \\"${R}\\"}"}`,
    ],
    ['a camelCase key', '{ clientSecret: "s3cr3t-value" }', `{ clientSecret: "${R}" }`],
    ['Python kwargs', "Config(token='abc123', lr=0.1)", `Config(token='${R}', lr=0.1)`],
    [
      'a Python subscript assignment',
      'os.environ["MLFLOW_TRACKING_TOKEN"] = "tok-abc123"',
      `os.environ["MLFLOW_TRACKING_TOKEN"] = "${R}"`,
    ],
    ['a Ruby hash', '{"secret" => "abc123"}', `{"secret" => "${R}"}`],
    ['a .NET connection string', 'Server=db;Password=hunter2;Database=mlflow', `Server=db;Password=${R}`],
    ['a query string', 'GET /x?access_token=abc123&page=2', `GET /x?access_token=${R}&page=2`],
    // Schemes and bare tokens.
    ['`token <value>`', 'using token 9f8e7d6c5b4a', `using token ${R}`],
    ['a CLI flag', 'train --password hunter2hunter2 --alpha 0.5', `train --password ${R} --alpha 0.5`],
    ["GitHub's `token` scheme", 'Authorization: token 0123456789abcdef', `Authorization: token ${R}`],
    [
      'a bearer header in curl',
      `curl -H 'Authorization: Bearer ${token.jwt}' https://x`,
      `curl -H 'Authorization: Bearer ${R}' https://x`,
    ],
    ['a bearer token outside a header', 'sending Bearer abc.def-123456', `sending Bearer ${R}`],
    ['a basic credential outside a header', `sending Basic ${b64('user:pw')} now`, `sending Basic ${R} now`],
    ['an API key header', 'X-Api-Key: 3f2a9c0d5e', `X-Api-Key: ${R}`],
    // URLs with credentials.
    [
      'user:password@ in a URL',
      'https://user:pa55word@db.example.com/mlflow',
      `https://user:${R}@db.example.com/mlflow`,
    ],
    [
      'a token as the URL password',
      `https://x-access-token:${token.ghs}@github.com/acme/wine.git`,
      `https://x-access-token:${R}@github.com/acme/wine.git`,
    ],
    [
      'a token as the URL user',
      `https://${'a1B2c3D4e5'.repeat(3)}@github.com/acme/wine.git`,
      `https://${R}@github.com/acme/wine.git`,
    ],
    // Token prefixes.
    ...Object.entries(token).map(([name, value]): [string, string, string] => [
      `a ${name} token`,
      `got ${value}.`,
      `got ${R}.`,
    ]),
    // Private keys.
    ['a private key block', `a\n${privateKey()}\nb`, `a\n${R}\nb`],
    ['an OpenSSH private key', `a\n${privateKey('OPENSSH PRIVATE KEY')}\nb`, `a\n${R}\nb`],
    ['an unterminated private key', `a\n${armour('BEGIN', 'EC PRIVATE KEY')}\nMIIE\nabc`, `a\n${R}`],
    [
      'a private key whose BEGIN line the tail cut off',
      ['a', ...keyLines.slice(1), armour('END', 'RSA PRIVATE KEY'), 'b'].join('\n'),
      `a\n${R}\nb`,
    ],
    ['a private key in JSON', `{"private_key": "${privateKey().replace(/\n/g, '\\n')}"}`, `{"private_key": "${R}"}`],
  ])('hides %s', (_name, log, expected) => {
    expect(redact(log)).toBe(expected);
  });

  const odd = `${held}/+ "x"`; // a held value with characters that get escaped
  it.each<[string, string, string, string]>([
    ['the value itself', held, `connected as ${held} ok`, `connected as ${R} ok`],
    ['its base64', held, `sent ${b64(held)} ok`, `sent ${R} ok`],
    ...[0, 1, 2].map((k): [string, string, string, string] => [
      `its base64 inside a longer encoded text, ${k} bytes in`,
      held,
      `blob ${b64(`${'x'.repeat(k)}TOKEN ${held}\n`)} end`,
      `blob ${R} end`,
    ]),
    ['its URL-safe base64', held, `blob ${b64url(`??${held}??`)} end`, `blob ${R} end`],
    ['a basic credential made from it, without the header', held, `creds ${b64(`trainer:${held}`)}`, `creds ${R}`],
    ['its URL encoding', odd, `url /x?q=${encodeURIComponent(odd)}&p=1`, `url /x?q=${R}&p=1`],
    ['its JSON escaping', odd, `{"note": ${JSON.stringify(odd)}}`, `{"note": "${R}"}`],
  ])('hides a secret the bot holds: %s', (_name, secret, log, expected) => {
    expect(redact(log, [secret])).toBe(expected);
  });

  it('hides each line of a multi-line secret, e.g. a GitHub App key held with escaped line breaks', () => {
    const line = 'MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn';
    expect(redact(`key line: ${line}`, [`header\\n${line}\\nfooter`])).toBe(`key line: ${R}`);
  });

  it.each<[string, string]>([
    ['metric lines', 'Epoch 3/10 - loss=0.5123 - val_loss=0.6031 - rmse=0.7436 - r2: 0.31 - lr=1e-3'],
    [
      'ordinary numbers and ids',
      'step 123456789012 run 7f3a1c0b9e8d4c2a1f0e9d8c7b6a5f4e sha 4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f',
    ],
    [
      'token counts and tokenizers',
      'max_tokens=512 num_tokens: 1024 tokens=2048 tokenizer=bert-base-uncased token_count=12',
    ],
    [
      'settings named after a secret',
      'password_length=12 SSH_AUTH_SOCK=/tmp/ssh-1/agent.1 secret_name=mlflow-auth token_type: bearer',
    ],
    ['words that contain a credential word', 'author=alice keyboard=us monkey=3 sort_key=rmse passes=4 compatible=yes'],
    ['placeholders', 'MLFLOW_TRACKING_TOKEN=None api_key="" password: null GITHUB_TOKEN=*** secret=[REDACTED]'],
    ['prose with scheme words', 'Basic statistics computed. Bearer tokens expire. The token is None, pass 1 of 3.'],
    [
      'addresses and URLs without credentials',
      'user@example.com https://mlflow.test/#/experiments/1 postgresql://db:5432/mlflow s3://bucket/key',
    ],
    [
      'paths and tracebacks',
      '/usr/local/lib/python3.11/site-packages/sklearn/linear_model/_coordinate_descent.py:631: ConvergenceWarning',
    ],
    ['names that only start like tokens', 'sk-learn skip-connections ghp_short AKIA-style eyJ hf_model'],
    ['public PEM blocks', `${armour('BEGIN', 'CERTIFICATE')}\nMIIBszCCAVmgAwIBAgIU\n${armour('END', 'CERTIFICATE')}`],
    ["a held secret's first characters", `tok-Held and ${b64('tok-Held').slice(0, 8)}`],
  ])('leaves %s alone', (_name, log) => {
    expect(redact(log, [held])).toBe(log);
  });
});

describe('redaction of logs built to stall it (checked for the output, not the time: a slow pass would time out)', () => {
  const capped = (unit: string, size: number) => `${unit.repeat(Math.ceil(size / unit.length)).slice(0, LINE_CAP)}…`;

  it('cuts a 200 kB line of `a=a=a=…` to LINE_CAP characters and finds nothing in it', () => {
    const line = 'a='.repeat(100_000);
    expect(redact(line)).toBe(capped('a=', line.length));
  });

  it('reads a 1 MB line of `=` and a 1 MB base64 run whole when the cap is lifted, and finds nothing', () => {
    const equals = '='.repeat(1 << 20);
    const base64 = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3'.repeat(26_215);
    expect(redact(equals, [held], Infinity)).toBe(equals);
    expect(redact(base64, [held], Infinity)).toBe(base64);
  });

  it('hides a held secret in a long base64 run once, as one span', () => {
    const run = `${'QUJD'.repeat(200)}${b64(`xx${held}yy`)}${'QUJD'.repeat(200)}`;
    expect(redact(`data: ${run} end`, [held])).toBe(`data: ${R} end`);
  });

  it.each<[string, string, string]>([
    ['`TOKEN=TOKEN=…`', 'TOKEN=', `TOKEN=${R}`],
    ['`token token …`', 'token ', capped('token ', 300_000)],
    ["`'token': '`, each value empty", "'token': '", capped("'token': '", 300_000)],
    ['`-----BEGIN ` without a key name', '-----BEGIN x', capped('-----BEGIN x', 300_000)],
    ['`://a:b` without an @', '://a:b', capped('://a:b', 300_000)],
    ['`sk-ghp_eyJ` over and over', 'sk-ghp_eyJ', `${R}…`],
  ])('handles a 300 kB line of %s', (_name, unit, expected) => {
    expect(redact(unit.repeat(Math.ceil(300_000 / unit.length)))).toBe(expected);
  });

  it('hides a quoted value that never ends, to the end of its capped line', () => {
    expect(redact(`{"token": "${'\\"'.repeat(150_000)}`)).toBe(`{"token": "${R}`);
  });

  it('handles a megabyte of short credential lines, every line hidden', () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `MLFLOW_TRACKING_TOKEN=${held}-${i}`);
    const out = redact(lines.join('\n'), [held]).split('\n');
    expect(out).toHaveLength(40_000);
    expect(new Set(out)).toEqual(new Set([`MLFLOW_TRACKING_TOKEN=${R}`]));
  });

  it('tails a huge log to its last lines, each cut for display after it was redacted', () => {
    const log = `${'noise '.repeat(200_000)}\n${'x'.repeat(290)} ${token.ghp}\nlast`;
    expect(tailLog(log, { lines: 2 })).toBe(`${'x'.repeat(290)} [REDACTED…\nlast`);
  });
});
