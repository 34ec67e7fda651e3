// RegistryClient against real registries: the one scripts/services/registry.sh started with the training
// image in it, and Debian's docker-registry with htpasswd auth, alone and behind a loopback token service
// that speaks the Bearer challenge flow ghcr.io uses (docker-registry's own token auth needs a signing CA).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildOciImage, type OciImage } from '../../../actions/image-push/test/oci-image.js';
import { RegistryClient, RegistryError } from '../../../src/registry/registry-client.js';
import { imageRef } from '../../../src/runs/image-ref.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

const { TRAINBOT_TRAINING_IMAGE, TRAINBOT_TRAINING_TAG, TRAINBOT_TRAINING_DIGEST } = process.env;
if (!TRAINBOT_TRAINING_IMAGE || !TRAINBOT_TRAINING_TAG || !TRAINBOT_TRAINING_DIGEST) {
  throw new Error(
    'TRAINBOT_TRAINING_IMAGE, _TAG or _DIGEST is not set; run these tests through scripts/test.sh, which pushes the training image.',
  );
}
jest.setTimeout(60_000);

const user = 'puller';
const password = 'pull-secret-123';
const NEVER_PUSHED = '0'.repeat(40);
let protectedRegistry: TestRegistry;
let image: OciImage;

beforeAll(async () => {
  protectedRegistry = await startRegistry({ auth: { username: user, password } });
  image = buildOciImage('registry-client test\n');
  execFileSync('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    '--dest-creds',
    `${user}:${password}`,
    `oci:${image.dir}`,
    `docker://${protectedRegistry.host}/team/trainer:v1`,
  ]);
});
afterAll(async () => {
  await protectedRegistry.stop();
  rmSync(join(image.dir, '..'), { recursive: true, force: true });
});

describe('RegistryClient.resolve', () => {
  const open = new RegistryClient({ scheme: 'http' });

  it('resolves the training image tag CI pushed for this commit to the digest image-push reported', async () => {
    await expect(open.resolve(imageRef(TRAINBOT_TRAINING_IMAGE, TRAINBOT_TRAINING_TAG))).resolves.toEqual({
      found: true,
      digest: TRAINBOT_TRAINING_DIGEST,
    });
  });

  it('says "not found" for a commit whose image was never pushed, so the caller can wait for the build', async () => {
    await expect(open.resolve(imageRef(TRAINBOT_TRAINING_IMAGE, NEVER_PUSHED))).resolves.toEqual({ found: false });
  });

  it('uses Basic credentials when the registry asks for them, and refuses with a sentence without them', async () => {
    const ref = `${protectedRegistry.host}/team/trainer:v1`;
    await expect(
      new RegistryClient({ scheme: 'http', credentials: { username: user, password } }).resolve(ref),
    ).resolves.toEqual({ found: true, digest: image.manifestDigest });
    const refused = open.resolve(ref);
    await expect(refused).rejects.toThrow(RegistryError);
    await expect(refused).rejects.toThrow(
      `The registry ${protectedRegistry.host} refused to show ${ref} (HTTP 401); give the bot credentials that may pull from team/trainer.`,
    );
  });

  it('follows a Bearer challenge: a token from the realm with the credentials, then the manifest with the token', async () => {
    const gate = await tokenGate(protectedRegistry);
    try {
      const ref = `${gate.host}/team/trainer:v1`;
      await expect(
        new RegistryClient({ scheme: 'http', credentials: { username: user, password } }).resolve(ref),
      ).resolves.toEqual({ found: true, digest: image.manifestDigest });
      expect(gate.tokenRequests).toEqual([
        { service: 'trainbot-test', scope: 'repository:team/trainer:pull', basic: `${user}:${password}` },
      ]);
      await expect(open.resolve(ref)).rejects.toThrow('refused a pull token');
    } finally {
      await gate.close();
    }
  });

  it('names the registry it could not reach', async () => {
    const gate = await tokenGate(protectedRegistry);
    await gate.close();
    await expect(open.resolve(`${gate.host}/team/trainer:v1`)).rejects.toThrow(
      /^Could not reach the registry for 127\.0\.0\.1:\d+\/team\/trainer:v1 /,
    );
  });
});

/**
 * A loopback front for `backend` that demands a Bearer token the way ghcr.io does: 401 with a challenge
 * naming its /token realm, which hands out a token for the right Basic credentials; requests carrying
 * that token are forwarded to the real registry with the backend's own credentials.
 */
async function tokenGate(
  backend: TestRegistry,
): Promise<{ host: string; tokenRequests: Array<Record<string, string>>; close: () => Promise<void> }> {
  const tokenRequests: Array<Record<string, string>> = [];
  const upstream = new URL(backend.url);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gate');
    if (url.pathname === '/token') {
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      tokenRequests.push({
        service: url.searchParams.get('service') ?? '',
        scope: url.searchParams.get('scope') ?? '',
        basic,
      });
      if (basic !== `${user}:${password}`) return void res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"granted-token"}');
    }
    if (req.headers.authorization !== 'Bearer granted-token') {
      const { port } = server.address() as AddressInfo;
      return void res
        .writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="trainbot-test"` })
        .end();
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: {
          ...req.headers,
          host: upstream.host,
          authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { host: `127.0.0.1:${port}`, tokenRequests, close: () => new Promise((done) => server.close(() => done())) };
}
