import { describe, expect, it } from '@jest/globals';
import { isSensitiveKey, nameWords } from '../../../src/report/sensitive-key.js';

describe('nameWords', () => {
  it.each<[string, string[]]>([
    ['MLFLOW_TRACKING_TOKEN', ['mlflow', 'tracking', 'token']],
    ['clientSecret', ['client', 'secret']],
    ['x-api-key', ['x', 'api', 'key']],
    ['--password', ['password']],
    ['aws.secret.key', ['aws', 'secret', 'key']],
  ])('cuts %s into words', (name, words) => {
    expect(nameWords(name)).toEqual(words);
  });
});

describe('isSensitiveKey', () => {
  it.each([
    'MLFLOW_TRACKING_TOKEN',
    'MLFLOW_TRACKING_PASSWORD',
    'GITHUB_TOKEN',
    'INPUT_GITHUB-TOKEN',
    'password',
    'passwd',
    'DB_PASS',
    'clientSecret',
    'AWS_SECRET_ACCESS_KEY',
    'api_key',
    'apiKey',
    'X-Api-Key',
    'privateKey',
    'TRAINBOT_SIGNING_KEY',
    'FERNET_KEY',
    'Authorization',
    'X-Auth-Token',
    'GITHUB_PAT',
    'credentials',
    'access_token',
    '--token',
  ])('%s names a credential', (name) => {
    expect(isSensitiveKey(name)).toBe(true);
  });

  it.each([
    'max_tokens',
    'tokens',
    'tokenizer',
    'token_count',
    'num_tokens',
    'password_length',
    'TOKEN_URL',
    'secret_name',
    'SSH_AUTH_SOCK',
    'author',
    'keyboard',
    'sort_key',
    'primary_key',
    'rmse',
    'alpha',
    'passes',
    'key',
    'max_token',
    'x'.repeat(129) + '_token',
  ])('%s does not', (name) => {
    expect(isSensitiveKey(name)).toBe(false);
  });
});
