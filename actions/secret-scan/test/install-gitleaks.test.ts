// The download path real runs take (GITHUB_ACTIONS=true, no gitleaks-path): the pinned release must match
// its sha256 or it is not used. GitHub is not reachable here, so a loopback server plays the release host.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GITLEAKS_VERSION, installGitleaks, RELEASES_URL, releaseFor, sha256File } from '../src/install-gitleaks.js';

// Generous: the machine running the tests may be busy, and the download goes through @actions/tool-cache.
jest.setTimeout(30_000);

const body = 'not the gitleaks release';
const requested: string[] = [];
let server: Server;
let base: string;
let toolCache: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/download`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(async () => {
  process.env.RUNNER_TEMP = await mkdtemp(join(tmpdir(), 'gitleaks-dl-temp-'));
  toolCache = await mkdtemp(join(tmpdir(), 'gitleaks-dl-cache-'));
  process.env.RUNNER_TOOL_CACHE = toolCache;
});

describe('installGitleaks', () => {
  it('downloads the linux x64 asset of the pinned version from the GitHub release', () => {
    expect(RELEASES_URL).toBe(`https://github.com/gitleaks/gitleaks/releases/download/v${GITLEAKS_VERSION}`);
    expect(releaseFor('linux', 'x64').url).toBe(`${RELEASES_URL}/gitleaks_${GITLEAKS_VERSION}_linux_x64.tar.gz`);
  });

  it('asks for gitleaks-path on a platform without a pinned release', () => {
    expect(() => releaseFor('darwin', 'arm64')).toThrow(
      `No pinned gitleaks release for darwin-arm64; install gitleaks ${GITLEAKS_VERSION} and set the gitleaks-path input.`,
    );
  });

  it('refuses a download whose sha256 is not the pinned one, and caches and keeps nothing', async () => {
    const actual = createHash('sha256').update(body).digest('hex');
    const { url, sha256 } = releaseFor('linux', 'x64', base);
    await expect(installGitleaks('linux', 'x64', base)).rejects.toThrow(
      `The gitleaks download from ${url} has sha256 ${actual}, not the pinned ${sha256}; it was not used.`,
    );
    expect(requested).toEqual([`/download/gitleaks_${GITLEAKS_VERSION}_linux_x64.tar.gz`]);
    expect(await readdir(toolCache)).toEqual([]);
    expect(await readdir(process.env.RUNNER_TEMP ?? '')).toEqual([]);
  });

  it('hashes a file as sha256 hex', async () => {
    const file = join(process.env.RUNNER_TEMP ?? '', 'x');
    await writeFile(file, 'abc');
    expect(await sha256File(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
