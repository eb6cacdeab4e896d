/**
 * An image's labels read from its registry (the registry HTTP API v2, no pull): the manifest of the tag or
 * digest (an image index or manifest list resolves to its linux/amd64 entry, else its first), then the
 * configuration blob it names, whose `config.Labels` holds the labels the image was built with. Public
 * images on registries that want a token (Docker Hub, ghcr.io) get an anonymous one from the registry's
 * challenge. Failures are short reasons, never errors.
 */
import { z } from 'zod';
import type { ImageLabelsResult, ImageMetadata } from '../../core/ports/code-history.port.js';
import type { ImagePresence, ImageRegistry } from '../../core/ports/promotion.port.js';
import type { Logger } from '../../core/ports/logger.port.js';

const DEFAULT_TIMEOUT_MS = 3_000;

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];
const ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');

const descriptor = z.object({ mediaType: z.string().optional(), digest: z.string().regex(/^[a-z0-9]+:[a-f0-9]+$/) });
const indexSchema = z.object({
  manifests: z.array(descriptor.extend({ platform: z.object({ os: z.string().optional(), architecture: z.string().optional() }).optional() })).min(1),
});
const manifestSchema = z.object({ config: descriptor });
const configSchema = z.object({ config: z.object({ Labels: z.record(z.string(), z.string()).nullable().optional() }).nullable().optional() });
const tokenSchema = z.object({ token: z.string().optional(), access_token: z.string().optional() });

/** An image reference split into where and what: `registry`, `repository`, and a tag or digest. */
export interface ImageRef {
  registry: string;
  repository: string;
  reference: string;
}

/** `127.0.0.1:5000/shop/api:1.4`, `ghcr.io/o/r@sha256:…`, `nginx` (Docker Hub's `library/nginx:latest`). */
export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasRegistry ? first : 'docker.io';
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) {
    if (at < 0) reference = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
  }
  if (registry === 'docker.io') {
    registry = 'registry-1.docker.io';
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  return { registry, repository, reference };
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

export interface RegistryLabelsOptions {
  logger: Logger;
  timeoutMs?: number;
  /** Registries spoken to over plain HTTP besides loopback ones (`registry.internal:5000`). */
  insecure?: readonly string[];
  fetch?: typeof fetch;
}

class RegistryRefusal extends Error {}

/** `Bearer realm="…",service="…",scope="…"` → the token URL, or undefined for another scheme. */
function tokenUrl(challenge: string | null): string | undefined {
  if (!challenge || !/^bearer\s/i.test(challenge)) return undefined;
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  if (!params.realm) return undefined;
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  return url.toString();
}

export class RegistryLabels implements ImageMetadata, ImageRegistry {
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: RegistryLabelsOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async labels(image: string): Promise<ImageLabelsResult> {
    const ref = parseImageRef(image);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const session = { token: undefined as string | undefined };
      let manifest = await this.getJson(ref, `manifests/${ref.reference}`, session, signal);
      const index = indexSchema.safeParse(manifest);
      if (index.success) {
        const entries = index.data.manifests;
        const pick = entries.find((m) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64') ?? entries[0]!;
        manifest = await this.getJson(ref, `manifests/${pick.digest}`, session, signal);
      }
      const parsed = manifestSchema.safeParse(manifest);
      if (!parsed.success) return { ok: false, reason: 'the registry answered an unexpected manifest' };
      const config = configSchema.safeParse(await this.getJson(ref, `blobs/${parsed.data.config.digest}`, session, signal));
      if (!config.success) return { ok: false, reason: 'the registry answered an unexpected image configuration' };
      return { ok: true, labels: config.data.config?.Labels ?? {} };
    } catch (err) {
      if (err instanceof RegistryRefusal) return { ok: false, reason: err.message };
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      this.options.logger.warn({ err, registry: ref.registry }, 'cannot read image labels from the registry');
      return { ok: false, reason: timedOut ? `${ref.registry} did not answer within ${this.timeoutMs / 1000} s` : `${ref.registry} could not be reached` };
    }
  }

  /** Whether the registry holds the image: one manifest HEAD (after an anonymous token if it asks), no pull. */
  async exists(image: string): Promise<ImagePresence> {
    const ref = parseImageRef(image);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.request(ref, `manifests/${ref.reference}`, { token: undefined }, signal, 'HEAD');
      void response.body?.cancel().catch(() => undefined);
      if (response.ok) {
        const digest = response.headers.get('docker-content-digest');
        return { status: 'present', ...(digest ? { digest } : {}) };
      }
      if (response.status === 404) return { status: 'missing', reason: `${ref.registry} has no such image (404)` };
      const what = response.status === 401 || response.status === 403 ? `wants credentials for this image (${response.status})` : `answered ${response.status}`;
      return { status: 'unknown', reason: `${ref.registry} ${what}` };
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      this.options.logger.warn({ err, registry: ref.registry }, 'cannot check an image in the registry');
      return { status: 'unknown', reason: timedOut ? `${ref.registry} did not answer within ${this.timeoutMs / 1000} s` : `${ref.registry} could not be reached` };
    }
  }

  private base(ref: ImageRef): string {
    const plain = LOOPBACK.test(ref.registry) || (this.options.insecure ?? []).includes(ref.registry);
    return `${plain ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}`;
  }

  /** GETs a manifest or blob as JSON; a 401 with a Bearer challenge is answered once with an anonymous token. */
  private async getJson(ref: ImageRef, path: string, session: { token: string | undefined }, signal: AbortSignal): Promise<unknown> {
    const response = await this.request(ref, path, session, signal, 'GET');
    if (!response.ok) {
      void response.body?.cancel().catch(() => undefined);
      const what = response.status === 404 ? 'has no such image (404)' : response.status === 401 || response.status === 403 ? `wants credentials for this image (${response.status})` : `answered ${response.status}`;
      throw new RegistryRefusal(`${ref.registry} ${what}`);
    }
    return response.json();
  }

  /** One request; a 401 with a Bearer challenge is answered once with an anonymous token and retried. */
  private async request(ref: ImageRef, path: string, session: { token: string | undefined }, signal: AbortSignal, method: 'GET' | 'HEAD'): Promise<Response> {
    const url = `${this.base(ref)}/${path}`;
    const get = () => this.fetch(url, { method, headers: { accept: ACCEPT, ...(session.token ? { authorization: `Bearer ${session.token}` } : {}) }, signal });
    let response = await get();
    if (response.status === 401 && !session.token) {
      const realm = tokenUrl(response.headers.get('www-authenticate'));
      void response.body?.cancel().catch(() => undefined);
      if (realm) {
        const tokenResponse = await this.fetch(realm, { signal });
        const token = tokenSchema.safeParse(tokenResponse.ok ? await tokenResponse.json().catch(() => undefined) : undefined);
        session.token = token.success ? (token.data.token ?? token.data.access_token) : undefined;
        if (session.token) response = await get();
      }
    }
    return response;
  }
}
