import { describe, expect, it } from '@jest/globals';
import { sharedCredential } from '../../../src/cli/shared-credential.js';

describe('sharedCredential', () => {
  it('hands every run the same credential, as the variables MLflow’s client reads, and deletes nothing', async () => {
    const credentials = sharedCredential('trainbot', 'local-admin-password');
    const first = await credentials.issue('run-1', '1');
    const second = await credentials.issue('run-2', '2');
    expect(first).toEqual({
      username: 'trainbot',
      password: 'local-admin-password',
      env: { MLFLOW_TRACKING_USERNAME: 'trainbot', MLFLOW_TRACKING_PASSWORD: 'local-admin-password' },
    });
    expect(second).toEqual(first);
    await expect(credentials.revoke({ username: 'trainbot' })).resolves.toBeUndefined();
  });
});
