// An image's config (user, entrypoint, environment), read through the registry API of the plain-HTTP test
// registry, for tests that check what an image runs as and hand it to runtimeSpec (runc-container.ts).
import type { ImageConfig } from './runc-container.js';

/** The config of `ref`, an image pinned by digest: `registry/repository@sha256:…`. */
export async function imageConfig(ref: string): Promise<ImageConfig> {
  const [, registry, repository, digest] = /^([^/]+)\/(.+)@(sha256:[0-9a-f]{64})$/.exec(ref) ?? [];
  const manifest = (await (
    await fetch(`http://${registry}/v2/${repository}/manifests/${digest}`, {
      headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
    })
  ).json()) as { config: { digest: string } };
  return (
    (await (await fetch(`http://${registry}/v2/${repository}/blobs/${manifest.config.digest}`)).json()) as {
      config: ImageConfig;
    }
  ).config;
}
