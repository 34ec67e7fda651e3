// On a GitHub runner without a gitleaks-path input: download the pinned gitleaks release once per runner
// (tool cache) and refuse it unless its sha256 matches the digest pinned here.
import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../kit/src/errors.js';

export const GITLEAKS_VERSION = '8.30.1';
// Published with the v8.30.1 release (gitleaks_8.30.1_checksums.txt); only this platform is pinned.
const RELEASES: Record<string, { asset: string; sha256: string }> = {
  'linux-x64': {
    asset: `gitleaks_${GITLEAKS_VERSION}_linux_x64.tar.gz`,
    sha256: '551f6fc83ea457d62a0d98237cbad105af8d557003051f41f3e7ca7b3f2470eb',
  },
};

export const RELEASES_URL = `https://github.com/gitleaks/gitleaks/releases/download/v${GITLEAKS_VERSION}`;

export function releaseFor(platform: string, arch: string, base = RELEASES_URL): { url: string; sha256: string } {
  const release = RELEASES[`${platform}-${arch}`];
  if (!release) {
    throw new InputError(
      `No pinned gitleaks release for ${platform}-${arch}; install gitleaks ${GITLEAKS_VERSION} and set the gitleaks-path input.`,
    );
  }
  return { url: `${base}/${release.asset}`, sha256: release.sha256 };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The path of a verified gitleaks binary, downloading it into the runner's tool cache if needed. */
export async function installGitleaks(
  platform = process.platform,
  arch = process.arch,
  base = RELEASES_URL,
): Promise<string> {
  const cached = tc.find('gitleaks', GITLEAKS_VERSION, arch);
  if (cached) return join(cached, 'gitleaks');
  const { url, sha256 } = releaseFor(platform, arch, base);
  core.info(`Downloading ${url}`);
  const archive = await tc.downloadTool(url);
  const actual = await sha256File(archive);
  if (actual !== sha256) {
    await rm(archive, { force: true });
    throw new Error(
      `The gitleaks download from ${url} has sha256 ${actual}, not the pinned ${sha256}; it was not used.`,
    );
  }
  const dir = await tc.cacheDir(await tc.extractTar(archive), 'gitleaks', GITLEAKS_VERSION, arch);
  return join(dir, 'gitleaks');
}
