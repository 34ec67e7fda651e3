// Validates the image-push inputs that name the destination, so a typo fails before anything is pushed.
import { InputError } from '../../kit/src/errors.js';

// host[:port], as a registry is named in an image reference; a scheme or path means the input is misread.
const REGISTRY = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/;
// distribution's path grammar: lowercase components joined by '/', separators '.', '_', '__' or '-'s.
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function parseRegistry(input: string): string {
  const value = input.trim();
  if (!REGISTRY.test(value)) {
    throw new InputError(
      `The registry input "${input}" is not a registry host: give host[:port] such as ghcr.io or 127.0.0.1:5000, without a scheme or path.`,
    );
  }
  return value;
}

export function parseRepository(input: string): string {
  const value = input.trim();
  if (!REPOSITORY.test(value)) {
    throw new InputError(
      `The repository input "${input}" is not a valid repository name: use lowercase letters, digits and '/', '.', '_' or '-' between them, such as team/trainer.`,
    );
  }
  return value;
}

/** Extra tags, one per line or comma-separated; validated later with the computed ones. */
export function parseTagList(input: string): string[] {
  return input
    .split(/[\n,]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

export function parseAttempts(input: string): number {
  const value = input.trim() === '' ? 3 : Number(input.trim());
  if (!Number.isInteger(value) || value < 1 || value > 10) {
    throw new InputError(
      `The attempts input "${input}" is not a whole number from 1 to 10: give how many times to try each push.`,
    );
  }
  return value;
}

export interface Credentials {
  username: string;
  password: string;
}

/** Both or neither: half a credential is a misconfigured secret, not an anonymous push. */
export function parseCredentials(username: string, password: string): Credentials | undefined {
  if (username === '' && password === '') return undefined;
  if (username === '' || password === '') {
    const missing = username === '' ? 'username' : 'password';
    throw new InputError(
      `The ${missing} input is empty while the other credential is set: give both, or neither for an anonymous push.`,
    );
  }
  return { username, password };
}

/** containers-auth.json content for skopeo's --dest-authfile. */
export function authFileContent(registry: string, credentials: Credentials): string {
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  return `${JSON.stringify({ auths: { [registry]: { auth } } })}\n`;
}
