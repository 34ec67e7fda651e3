// Builds a tiny OCI image layout on disk (one layer holding one file), with every digest computed here,
// so push tests need no Docker engine and know exactly which manifest digest the registry must report.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface OciImage {
  dir: string;
  manifestDigest: string;
}

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export function buildOciImage(content: string): OciImage {
  const root = mkdtempSync(join(tmpdir(), 'trainbot-oci-'));
  const files = join(root, 'rootfs');
  mkdirSync(files);
  writeFileSync(join(files, 'hello.txt'), content);
  // Fixed owner and mtime keep the layer, and so every digest, the same for the same content.
  execFileSync('tar', [
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '-cf',
    join(root, 'layer.tar'),
    '-C',
    files,
    'hello.txt',
  ]);
  const layer = readFileSync(join(root, 'layer.tar'));

  const dir = join(root, 'layout');
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const putBlob = (data: Buffer | string): { digest: string; size: number } => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest.slice('sha256:'.length)), data);
    return { digest, size: Buffer.byteLength(data) };
  };

  // Compressed, because skopeo compresses an uncompressed layer on push and the manifest digest would change.
  const layerBlob = putBlob(gzipSync(layer));
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
  });
  const configBlob = putBlob(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layerBlob }],
  });
  const manifestBlob = putBlob(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifestBlob }],
    }),
  );
  return { dir, manifestDigest: manifestBlob.digest };
}
