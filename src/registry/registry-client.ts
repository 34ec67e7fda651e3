// The registry adapter: resolves an image tag to the digest the registry holds for it (the OCI distribution
// API), so a Job can name `image@sha256:…` and run exactly the image CI pushed, even if the tag moves later.
// Anonymous, HTTP Basic and the token flow of ghcr.io and Docker Hub (a 401 with a Bearer challenge, a token
// from its realm, the request again) are supported. Failures are RegistryErrors with one sentence to act on.

/** Every manifest kind a tag can name; the registry answers with the digest of the one it stores. */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export class RegistryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryError';
  }
}

export interface ImageName {
  /** host[:port] */
  registry: string;
  repository: string;
  tag: string;
}

/** `host[:port]/path:tag` → its parts; the registry host must be explicit, as in trainbot's config. */
export function parseImageName(ref: string): ImageName {
  const match = /^([A-Za-z0-9.-]+(?::[0-9]{1,5})?)\/([a-z0-9._/-]+):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/.exec(ref);
  if (!match) throw new RegistryError(`"${ref}" is not an image reference of the form registry/repository:tag.`);
  return { registry: match[1]!, repository: match[2]!, tag: match[3]! };
}

export interface RegistryClientOptions {
  /** `http` only for a registry on loopback in tests; `https` everywhere else. */
  scheme?: 'https' | 'http';
  credentials?: { username: string; password: string };
  timeoutMs?: number;
}

export type Resolution = { found: true; digest: string } | { found: false };

/** The parameters of a `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge. */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const match = /^Bearer\s+(.*)$/i.exec(header.trim());
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, value] of (match[1] ?? '').matchAll(/([A-Za-z]+)="([^"]*)"/g)) params[key!.toLowerCase()] = value!;
  return params.realm ? params : undefined;
}

export class RegistryClient {
  private readonly scheme: 'https' | 'http';
  private readonly credentials: RegistryClientOptions['credentials'];
  private readonly timeoutMs: number;

  constructor(options: RegistryClientOptions = {}) {
    this.scheme = options.scheme ?? 'https';
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** The digest `ref` (registry/repository:tag) names now, or `{ found: false }` when the tag does not exist (yet). */
  async resolve(ref: string): Promise<Resolution> {
    const { registry, repository, tag } = parseImageName(ref);
    const url = `${this.scheme}://${registry}/v2/${repository}/manifests/${tag}`;
    let response = await this.request(url, undefined, ref);
    if (response.status === 401) {
      const authorization = await this.authorization(response.headers.get('www-authenticate') ?? '', repository, ref);
      response = await this.request(url, authorization, ref);
    }
    if (response.status === 404) return { found: false };
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError(
        `The registry ${registry} refused to show ${ref} (HTTP ${response.status}); give the bot credentials that may pull from ${repository}.`,
      );
    }
    const digest = response.headers.get('docker-content-digest') ?? '';
    if (response.status !== 200 || !DIGEST.test(digest)) {
      throw new RegistryError(
        `The registry ${registry} answered HTTP ${response.status} without a sha256 digest for ${ref}; check that it is an OCI registry.`,
      );
    }
    return { found: true, digest };
  }

  private async request(url: string, authorization: string | undefined, ref: string): Promise<Response> {
    try {
      return await fetch(url, {
        method: 'HEAD',
        headers: { Accept: MANIFEST_TYPES, ...(authorization ? { Authorization: authorization } : {}) },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new RegistryError(
        `Could not reach the registry for ${ref} (${err instanceof Error ? err.message : String(err)}); check the image name and the network.`,
        { cause: err },
      );
    }
  }

  /** The Authorization header a 401 asks for: Basic with the credentials, or a Bearer token from the challenge's realm. */
  private async authorization(challenge: string, repository: string, ref: string): Promise<string | undefined> {
    const basic = this.credentials
      ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`
      : undefined;
    const bearer = parseBearerChallenge(challenge);
    if (!bearer) return basic;
    const realm = new URL(bearer.realm!);
    if (bearer.service) realm.searchParams.set('service', bearer.service);
    realm.searchParams.set('scope', bearer.scope ?? `repository:${repository}:pull`);
    let response: Response;
    try {
      response = await fetch(realm, {
        headers: basic ? { Authorization: basic } : {},
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new RegistryError(
        `Could not get a pull token for ${ref} from ${realm.origin} (${err instanceof Error ? err.message : String(err)}).`,
        { cause: err },
      );
    }
    const body = (await response.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!response.ok || !token) {
      throw new RegistryError(
        `The registry's token service refused a pull token for ${ref} (HTTP ${response.status}); give the bot credentials that may pull from ${repository}.`,
      );
    }
    return `Bearer ${token}`;
  }
}
