import { describe, expect, it } from '@jest/globals';
import { heldSecrets } from '../../../src/report/held-secrets.js';

describe('heldSecrets', () => {
  it('takes the values of the variables trainbot holds by name, even short ones', () => {
    expect(
      heldSecrets({
        MLFLOW_TRACKING_TOKEN: 'tok-1',
        MLFLOW_TRACKING_PASSWORD: 'pw-2',
        TRAINBOT_SIGNING_KEY: 'k'.repeat(32),
        GITHUB_TOKEN: 'ghs-3',
        'INPUT_GITHUB-TOKEN': 'ghs-4',
        PRIVATE_KEY: 'pem-5',
        WEBHOOK_SECRET: 'hook-6',
        GITHUB_CLIENT_SECRET: 'cs-7',
      }).sort(),
    ).toEqual(['cs-7', 'ghs-3', 'ghs-4', 'hook-6', 'k'.repeat(32), 'pem-5', 'pw-2', 'tok-1']);
  });

  it('takes any other credential-named variable of 8 characters or more, trimmed', () => {
    expect(heldSecrets({ AWS_SECRET_ACCESS_KEY: ' wJalrXUtnFEMI \n', HF_TOKEN: 'short', NPM_TOKEN: '' })).toEqual([
      'wJalrXUtnFEMI',
    ]);
  });

  it('leaves out everything else', () => {
    expect(
      heldSecrets({
        PATH: '/usr/bin:/bin',
        HOME: '/home/trainer',
        MLFLOW_TRACKING_USERNAME: 'trainer',
        MLFLOW_TRACKING_URI: 'http://mlflow:5000',
        MLFLOW_TRACKING_TOKEN: 'abc',
      }),
    ).toEqual([]);
  });
});
