// A throwaway private key of the kind GitHub gives an App (RSA, PKCS#1 PEM), for starting Probot where no App
// exists: Probot only signs its JWTs with it, locally.
import { generateKeyPairSync } from 'node:crypto';

export function appPrivateKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}
