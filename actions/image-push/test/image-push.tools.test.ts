// The image-push action through its real entry (INPUT_* variables, summary and output files) against a real
// registry on loopback, with real skopeo. Needs docker-registry, skopeo and htpasswd (scripts/tools/registry.sh).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../../../test/support/registry.js';
import { runAction } from '../../../test/support/run-action.js';
import { buildOciImage, type OciImage } from './oci-image.js';

const sha = 'feedfacecafebeef0123456789abcdef01234567';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

async function manifestDigest(
  registry: TestRegistry,
  repo: string,
  tag: string,
  auth?: string,
): Promise<{ status: number; digest: string | null }> {
  const response = await fetch(`${registry.url}/v2/${repo}/manifests/${tag}`, {
    headers: {
      Accept: `${OCI_MANIFEST}, ${DOCKER_MANIFEST}`,
      ...(auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {}),
    },
  });
  return { status: response.status, digest: response.headers.get('docker-content-digest') };
}

// Each test starts the action as a node process and skopeo; on two busy cores that takes a few seconds.
jest.setTimeout(60_000);

/** A proxy in front of the registry that answers 503 to the first `failures` manifest uploads. */
async function flakyProxy(
  target: TestRegistry,
  failures: number,
): Promise<{ host: string; failed: () => number; close: () => Promise<void> }> {
  let failed = 0;
  const upstream = new URL(target.url);
  const server: Server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url?.includes('/manifests/') && failed < failures) {
      failed += 1;
      req.resume();
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('registry overloaded');
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: upstream.host },
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
  return {
    host: `127.0.0.1:${port}`,
    failed: () => failed,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

let workspace: string;
let image: OciImage;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'image-push-ws-'));
  image = buildOciImage('hello from the image-push test\n');
});
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(join(image.dir, '..'), { recursive: true, force: true });
});

describe('image-push against an open registry', () => {
  let registry: TestRegistry;
  beforeAll(async () => (registry = await startRegistry()));
  afterAll(async () => registry.stop());

  const base = (): Record<string, string> => ({
    source: image.dir,
    registry: registry.host,
    repository: 'team/trainer',
    sha,
    branch: 'main',
    'default-branch': 'main',
    'tls-verify': 'false',
    attempts: '1',
    'skopeo-path': 'skopeo',
  });

  it('pushes an OCI layout as sha, branch and latest from the default branch, and reports the registry digest', async () => {
    const run = await runAction('image-push', { workspace, inputs: base() });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toBe(image.manifestDigest);
    expect(run.outputs.refs).toBe([sha, 'main', 'latest'].map((t) => `${registry.host}/team/trainer:${t}`).join('\n'));
    for (const tag of [sha, 'main', 'latest']) {
      expect(await manifestDigest(registry, 'team/trainer', tag)).toEqual({
        status: 200,
        digest: image.manifestDigest,
      });
    }
    expect(run.summary).toContain(`Pushed ${registry.host}/team/trainer@${image.manifestDigest} as 3 tags.`);
    expect(run.summary).toContain(`<td>${registry.host}/team/trainer:latest</td>`);
  });

  it('pushes a feature branch under a sanitized tag and leaves latest alone', async () => {
    const run = await runAction('image-push', {
      workspace,
      inputs: { ...base(), repository: 'team/feature', branch: 'feature/new-loss' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.refs).toBe(
      [sha, 'feature-new-loss'].map((t) => `${registry.host}/team/feature:${t}`).join('\n'),
    );
    expect(await manifestDigest(registry, 'team/feature', 'feature-new-loss')).toEqual({
      status: 200,
      digest: image.manifestDigest,
    });
    expect((await manifestDigest(registry, 'team/feature', 'latest')).status).toBe(404);
  });

  it('pushes a docker archive given as a relative path in the workspace', async () => {
    execFileSync('skopeo', ['copy', '--quiet', `oci:${image.dir}`, `docker-archive:${join(workspace, 'image.tar')}`]);
    const run = await runAction('image-push', {
      workspace,
      inputs: { ...base(), source: 'image.tar', repository: 'team/archive' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await manifestDigest(registry, 'team/archive', sha)).toEqual({ status: 200, digest: run.outputs.digest });
  });

  it('refuses a tag with illegal characters before pushing anything', async () => {
    const run = await runAction('image-push', {
      workspace,
      inputs: { ...base(), repository: 'team/badtag', tags: 'v1, bad tag!' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      `The tag "bad tag!" is not a valid image tag: use up to 128 letters, digits, '_', '.' or '-', starting with a letter, digit or '_'.`,
    ]);
    expect((await manifestDigest(registry, 'team/badtag', sha)).status).toBe(404);
    expect(run.outputs).toEqual({});
  });

  it('fails with one sentence when the registry host does not resolve', async () => {
    const run = await runAction('image-push', {
      workspace,
      inputs: { ...base(), registry: 'unknown-host.invalid:5000' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      `The registry host of unknown-host.invalid:5000/team/trainer:${sha} cannot be resolved: check the registry input.`,
    ]);
  });

  it('retries a manifest upload the registry answers with 503 and succeeds', async () => {
    const proxy = await flakyProxy(registry, 1);
    try {
      const run = await runAction('image-push', {
        workspace,
        inputs: { ...base(), registry: proxy.host, repository: 'team/flaky', attempts: '3', branch: 'feature/x' },
      });
      expect(run.exitCode).toBe(0);
      expect(proxy.failed()).toBe(1);
      expect(run.commands.filter((c) => c.command === 'warning').map((c) => c.message)).toEqual([
        `Attempt 1 to push ${proxy.host}/team/flaky:${sha} failed (The registry answered 503 while pushing ${proxy.host}/team/flaky:${sha}: it is failing on its side, try again later.); retrying in 2000 ms.`,
      ]);
      expect(await manifestDigest(registry, 'team/flaky', sha)).toEqual({ status: 200, digest: image.manifestDigest });
    } finally {
      await proxy.close();
    }
  });

  it('gives up after the bounded number of attempts when the registry keeps answering 503', async () => {
    const proxy = await flakyProxy(registry, 100);
    try {
      const run = await runAction('image-push', {
        workspace,
        inputs: { ...base(), registry: proxy.host, repository: 'team/down', attempts: '2' },
      });
      expect(run.exitCode).toBe(1);
      expect(proxy.failed()).toBe(2);
      expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
        `The registry answered 503 while pushing ${proxy.host}/team/down:${sha}: it is failing on its side, try again later (after 2 attempts).`,
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('fails with one sentence when another push moves a tag while this one runs', async () => {
    // The skopeo given to the action plays a second workflow: just before the action pushes `latest`, it
    // pushes another image to the sha tag, through the same real registry, then runs the real copy.
    const other = buildOciImage('another build of the same sha');
    const bin = mkdtempSync(join(tmpdir(), 'image-push-race-'));
    const wrapper = join(bin, 'skopeo');
    writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        'if [ "$1" = copy ]; then',
        '  case "$*" in *:latest) skopeo copy --quiet --dest-tls-verify=false "oci:$RACE_SOURCE" "docker://$RACE_TARGET" || exit 1;; esac',
        'fi',
        'exec skopeo "$@"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    try {
      const run = await runAction('image-push', {
        workspace,
        inputs: { ...base(), repository: 'team/raced', 'skopeo-path': wrapper },
        env: { RACE_SOURCE: other.dir, RACE_TARGET: `${registry.host}/team/raced:${sha}` },
      });
      expect(run.exitCode).toBe(1);
      expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
        `Not every tag points to the pushed image ${image.manifestDigest}: ${registry.host}/team/raced:${sha} points to ${other.manifestDigest}. ` +
          'Another push changed that tag while this one ran; re-run this job, and make sure no other workflow pushes the same tags.',
      ]);
      expect(run.outputs).toEqual({});
      expect(await manifestDigest(registry, 'team/raced', sha)).toEqual({ status: 200, digest: other.manifestDigest });
      expect(await manifestDigest(registry, 'team/raced', 'latest')).toEqual({
        status: 200,
        digest: image.manifestDigest,
      });
    } finally {
      rmSync(bin, { recursive: true, force: true });
      rmSync(join(other.dir, '..'), { recursive: true, force: true });
    }
  });

  it('fails with one sentence when the source is neither a layout, an archive nor an image name', async () => {
    const run = await runAction('image-push', { workspace, inputs: { ...base(), source: './no/such/dir' } });
    expect(run.exitCode).toBe(1);
    expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      'The source "./no/such/dir" is neither an OCI layout directory, a docker archive nor a local image name with a tag: check the path or build the image first.',
    ]);
  });
});

describe('image-push against a registry with htpasswd auth', () => {
  const user = 'ci-bot';
  const password = 's3cret-Pa55word';
  let registry: TestRegistry;
  beforeAll(async () => (registry = await startRegistry({ auth: { username: user, password } })));
  afterAll(async () => registry.stop());

  const base = (): Record<string, string> => ({
    source: image.dir,
    registry: registry.host,
    repository: 'team/private',
    sha,
    branch: 'main',
    'default-branch': 'main',
    'tls-verify': 'false',
    attempts: '1',
    username: user,
  });

  it('pushes with the right credentials, masks the password and never prints it', async () => {
    const run = await runAction('image-push', { workspace, inputs: { ...base(), password } });
    expect(run.exitCode).toBe(0);
    expect(run.commands.filter((c) => c.command === 'add-mask').map((c) => c.message)).toEqual([
      password,
      Buffer.from(`${user}:${password}`).toString('base64'),
    ]);
    expect(run.stdout.split(password)).toHaveLength(2); // only inside the add-mask command
    expect(await manifestDigest(registry, 'team/private', 'latest', `${user}:${password}`)).toEqual({
      status: 200,
      digest: image.manifestDigest,
    });
  });

  it('fails with one sentence on a wrong password and pushes nothing', async () => {
    const run = await runAction('image-push', {
      workspace,
      inputs: { ...base(), repository: 'team/denied', password: 'wrong' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      `The registry refused the credentials for ${registry.host}/team/denied:${sha}: check the username and password inputs.`,
    ]);
    expect((await manifestDigest(registry, 'team/denied', sha, `${user}:${password}`)).status).toBe(404);
  });

  it('fails with one sentence when only half of the credentials is given', async () => {
    const run = await runAction('image-push', { workspace, inputs: base() });
    expect(run.exitCode).toBe(1);
    expect(run.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      'The password input is empty while the other credential is set: give both, or neither for an anonymous push.',
    ]);
  });
});
