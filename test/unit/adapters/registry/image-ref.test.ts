import { describe, expect, it } from 'vitest';
import { parseImageRef } from '../../../../src/adapters/registry/registry-labels.js';

describe('image references as the registry API needs them', () => {
  it.each([
    ['127.0.0.1:5000/deckhand/web:1.0', { registry: '127.0.0.1:5000', repository: 'deckhand/web', reference: '1.0' }],
    ['localhost/shop/api', { registry: 'localhost', repository: 'shop/api', reference: 'latest' }],
    ['ghcr.io/acme/shop-api@sha256:abc123', { registry: 'ghcr.io', repository: 'acme/shop-api', reference: 'sha256:abc123' }],
    ['ghcr.io/acme/shop-api:1.5@sha256:abc123', { registry: 'ghcr.io', repository: 'acme/shop-api', reference: 'sha256:abc123' }],
    ['registry.example.com:5443/a/b/c:v2', { registry: 'registry.example.com:5443', repository: 'a/b/c', reference: 'v2' }],
    ['nginx:1.27', { registry: 'registry-1.docker.io', repository: 'library/nginx', reference: '1.27' }],
    ['acme/api:3', { registry: 'registry-1.docker.io', repository: 'acme/api', reference: '3' }],
    ['docker.io/library/redis', { registry: 'registry-1.docker.io', repository: 'library/redis', reference: 'latest' }],
  ])('%s', (image, expected) => {
    expect(parseImageRef(image)).toEqual(expected);
  });
});
