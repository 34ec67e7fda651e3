// unlessTrackingCode (src/tracking/tracking-error.ts): the one answer of MLflow an adapter takes as a result.
import { describe, expect, it } from '@jest/globals';
import { TrackingError, unlessTrackingCode } from '../../../src/tracking/tracking-error.js';

const refused = (errorCode?: string) => Promise.reject(new TrackingError('no', { status: 404, errorCode }));

describe('unlessTrackingCode', () => {
  it('gives the answer, or undefined for that error_code', async () => {
    await expect(unlessTrackingCode(Promise.resolve(7), 'RESOURCE_DOES_NOT_EXIST')).resolves.toBe(7);
    await expect(unlessTrackingCode(refused('RESOURCE_DOES_NOT_EXIST'), 'RESOURCE_DOES_NOT_EXIST')).resolves.toBe(
      undefined,
    );
  });

  it('throws any other failure as it was: another code, none, or not MLflow at all', async () => {
    await expect(unlessTrackingCode(refused('RESOURCE_ALREADY_EXISTS'), 'RESOURCE_DOES_NOT_EXIST')).rejects.toThrow(
      TrackingError,
    );
    await expect(unlessTrackingCode(refused(), 'RESOURCE_DOES_NOT_EXIST')).rejects.toThrow('no');
    await expect(unlessTrackingCode(Promise.reject(new Error('ECONNRESET')), 'X')).rejects.toThrow('ECONNRESET');
  });
});
