import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHubCompare } from '../../../src/adapters/github/github-compare.js';
import { RegistryLabels } from '../../../src/adapters/registry/registry-labels.js';
import { readEnv } from '../../../src/bot/env.js';
import { wireChanges } from '../../../src/bot/wire/changes.js';
import { createActionProcessor } from '../../../src/core/actions/action.processor.js';
import { REVISION_LABEL } from '../../../src/core/deploys/deploy-changes.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { coreHarness } from '../../support/core-harness.js';
import { compareHandler, comparisonPayload, notFound, rateLimited, type FakeCommit } from '../../support/github-compare.fake.js';
import { actionFixture } from '../jobs/action-fixture.js';

// The real core, the real GitHub and registry adapters; only GitHub's API and the registry are intercepted.
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const RUNNING = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const OLD = 'c'.repeat(40);
const IMAGE = 'registry.example.com/shop/api';
const ALICE = { user: '1001' };
const DAVE = { user: '1004' };
const TOKEN = 'ghs_0123456789abcdefghijABCDEFGHIJ';

const config = new URL('../../fixtures/config/changes.yaml', import.meta.url);

/** The registry holds shop/api under `tags` (tag → revision label), each as an OCI index of two platforms. */
function registry(tags: Record<string, string | null>) {
  const digest = (tag: string, what: string) => `sha256:${Buffer.from(`${what}-${tag}`).toString('hex').padEnd(64, '0').slice(0, 64)}`;
  const byDigest = new Map<string, { kind: 'manifest' | 'config'; tag: string; arch?: string }>();
  for (const tag of Object.keys(tags)) {
    for (const arch of ['arm64', 'amd64']) {
      byDigest.set(digest(tag, `manifest-${arch}`), { kind: 'manifest', tag, arch });
      byDigest.set(digest(tag, `config-${arch}`), { kind: 'config', tag, arch });
    }
  }
  return [
    http.get('https://registry.example.com/v2/shop/api/manifests/:ref', ({ params }) => {
      const ref = String(params.ref);
      const hit = byDigest.get(ref);
      if (hit?.kind === 'manifest') {
        return HttpResponse.json(
          {
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(hit.tag, `config-${hit.arch}`), size: 1000 },
            layers: [],
          },
          { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } },
        );
      }
      if (!(ref in tags)) return HttpResponse.json({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }, { status: 404 });
      return HttpResponse.json(
        {
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: ['arm64', 'amd64'].map((arch) => ({
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: digest(ref, `manifest-${arch}`),
            size: 500,
            platform: { architecture: arch, os: 'linux' },
          })),
        },
        { headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' } },
      );
    }),
    http.get('https://registry.example.com/v2/shop/api/blobs/:digest', ({ params }) => {
      const hit = byDigest.get(String(params.digest));
      if (hit?.kind !== 'config') return new HttpResponse(null, { status: 404 });
      const revision = tags[hit.tag];
      // Only the amd64 image carries the label: picking another platform's config would lose it.
      const labels = revision && hit.arch === 'amd64' ? { [REVISION_LABEL]: revision, 'org.opencontainers.image.source': 'https://github.com/acme/shop-api' } : {};
      return HttpResponse.json({ architecture: hit.arch, os: 'linux', config: { Labels: labels }, rootfs: { type: 'layers', diff_ids: [] } });
    }),
  ];
}

const commits = (n: number, prefix = 'feat'): FakeCommit[] =>
  Array.from({ length: n }, (_, i) => ({ sha: `${String(i).padStart(2, '0')}${'d'.repeat(38)}`, message: `${prefix}: change number ${i + 1}\n\nLonger body that is not shown.`, login: i % 2 ? 'bob-dev' : 'alice-dev' }));

function harness(env: Record<string, string> = { GITHUB_TOKEN: TOKEN }) {
  const h = coreHarness({ configFile: config });
  const sources = wireChanges(readEnv({ DATABASE_URL: 'postgresql://127.0.0.1/x', ...env }), h.config, silentLogger);
  Object.assign(h.actions, { changes: sources });
  const runtime = h.runtimes.get('docker-1');
  runtime.add({ name: 'api-1', labels: { app: 'shop-api', env: 'prod', [REVISION_LABEL]: RUNNING }, image: `${IMAGE}:1.4.0`, version: '1.4.0' });
  runtime.add({ name: 'api-2', labels: { app: 'shop-api', env: 'prod', [REVISION_LABEL]: RUNNING }, image: `${IMAGE}:1.4.0`, version: '1.4.0' });
  return h;
}

async function storedPlan(h: ReturnType<typeof harness>, reply: Reply) {
  const buttons = reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []));
  return (await h.actions.pending.get(buttons[0]!.pendingId))!.plan;
}

describe('deploy plan: what the deploy changes', () => {
  it('lists the commits between the running and the new version, with authors and the compare link', async () => {
    const h = harness();
    const github = compareHandler((c) => comparisonPayload({ ...c, status: 'ahead', commits: commits(3) }));
    server.use(...registry({ '1.5.0': NEW }), github.handler);

    const reply = await h.say('deploy api prod 1.5.0', ALICE);

    expect(github.calls).toEqual([{ repo: 'acme/shop-api', base: RUNNING, head: NEW, authorization: `Bearer ${TOKEN}` }]);
    expect(reply.text).toContain(`${IMAGE}:1.4.0 → ${IMAGE}:1.5.0`);
    expect(reply.text).toContain(
      [
        'api: 3 commits (aaaaaaa → bbbbbbb)',
        '• feat: change number 1 (alice-dev)',
        '• feat: change number 2 (bob-dev)',
        '• feat: change number 3 (alice-dev)',
        `https://github.com/acme/shop-api/compare/${RUNNING}...${NEW}`,
      ].join('\n'),
    );
    expect(reply.text).not.toContain('Longer body');
    // The changes are part of the stored plan, for whichever replica announces the deploy.
    const plan = await storedPlan(h, reply);
    expect(plan.services[0]!.changes).toMatchObject({ known: true, relation: 'ahead', aheadBy: 3, base: RUNNING, head: NEW });
  });

  it('shows at most 10 commits and says how many more there are', async () => {
    const h = harness();
    server.use(...registry({ '1.5.0': NEW }), compareHandler((c) => comparisonPayload({ ...c, status: 'ahead', aheadBy: 42, commits: commits(10) })).handler);
    const reply = await h.say('deploy api prod 1.5.0', ALICE);
    expect(reply.text).toContain('api: 42 commits (aaaaaaa → bbbbbbb)');
    expect(reply.text).toContain('• feat: change number 10 (bob-dev)\n… and 32 more\nhttps://github.com/acme/shop-api/compare/');
  });

  it('says how many commits a rollback goes back', async () => {
    const h = harness();
    const github = compareHandler((c) => comparisonPayload({ ...c, status: 'behind', behindBy: 4 }));
    server.use(...registry({ '1.3.0': OLD }), github.handler);
    const reply = await h.say('rollback api prod 1.3.0', ALICE);
    expect(github.calls.map((c) => [c.base, c.head])).toEqual([[RUNNING, OLD]]);
    expect(reply.text).toContain('api: 4 commits behind the running version (aaaaaaa → ccccccc): rolls back.');
  });

  it('warns when the new version is not a descendant of the running one', async () => {
    const h = harness();
    server.use(...registry({ '1.5.0': NEW }), compareHandler((c) => comparisonPayload({ ...c, status: 'diverged', behindBy: 2, commits: commits(1, 'fix') })).handler);
    const reply = await h.say('deploy api prod 1.5.0', ALICE);
    expect(reply.text).toContain('⚠️ api: 1.5.0 is not a descendant of 1.4.0: 1 ahead, 2 behind (aaaaaaa → bbbbbbb); the commits it lacks would be undone.');
    expect(reply.text).toContain('• fix: change number 1 (alice-dev)');
  });

  it('resolves a version by the CI deploy that recorded it when its image has no revision label', async () => {
    const h = harness();
    await h.actions.deployments.start({
      actionId: 'github-deployment:7', kind: 'deploy', project: 'shop', env: 'staging', service: 'api', version: 'v1.6.0', image: `${IMAGE}:v1.6.0`,
      previousVersion: null, previousImage: null, requestedBy: 'github:ci', approvedBy: null, startedAt: new Date('2026-11-22T10:00:00Z'), source: 'external',
    });
    const github = compareHandler((c) => comparisonPayload({ ...c, status: 'ahead', commits: commits(2) }));
    server.use(...registry({ 'v1.6.0': null }), github.handler);
    const reply = await h.say('deploy api prod v1.6.0', ALICE);
    expect(github.calls.map((c) => [c.base, c.head])).toEqual([[RUNNING, 'v1.6.0']]);
    expect(reply.text).toContain('api: 2 commits (aaaaaaa → v1.6.0)');
  });

  it('without a token still shows the images and says why the changes are unknown', async () => {
    const h = harness({});
    const github = compareHandler(() => comparisonPayload({ repo: 'x/y', base: 'a', head: 'b', status: 'ahead' }));
    server.use(github.handler);
    const reply = await h.say('deploy api prod 1.5.0', ALICE);
    expect(reply.text).toContain(`${IMAGE}:1.4.0 → ${IMAGE}:1.5.0`);
    expect(reply.text).toContain('api: changes unknown: GITHUB_TOKEN is not set.');
    expect(github.calls).toEqual([]);
    expect(reply.blocks.some((b) => b.type === 'buttons')).toBe(true);
  });

  it.each([
    ['the rate limit', rateLimited, "api: changes unknown: GitHub's API rate limit is reached."],
    ['an unknown commit', notFound, 'api: changes unknown: GitHub knows no such repository or commit (404).'],
    ['a server error', () => new HttpResponse('oops', { status: 502 }), 'api: changes unknown: GitHub answered 502.'],
  ])('on %s, says so and the deploy can still be approved', async (_what, answer, sentence) => {
    const h = harness();
    server.use(...registry({ '1.5.0': NEW }), compareHandler(() => answer()).handler);
    const reply = await h.say('deploy api prod 1.5.0', ALICE);
    expect(reply.text).toContain(sentence);
    expect(reply.text).toContain(`${IMAGE}:1.4.0 → ${IMAGE}:1.5.0`);
    expect((await h.click(reply, 'Approve', DAVE)).text).toContain('Approved by Dave');
    expect(h.actions.queue.enqueued).toHaveLength(1);
  });

  it('says which version has no known commit', async () => {
    const h = harness();
    server.use(...registry({}));
    const reply = await h.say('deploy api prod 1.5.0', ALICE);
    expect(reply.text).toContain(
      `api: changes unknown: no commit is known for 1.5.0 (its labels could not be read: registry.example.com has no such image (404), no CI deploy recorded).`,
    );
  });

  it('shows nothing about changes for a service no repository is mapped to', async () => {
    const h = harness();
    h.runtimes.get('docker-1').add({ name: 'shop-web-prod', image: 'registry.example.com/shop/web:2.0.0', version: '2.0.0' });
    const reply = await h.say('deploy web prod 2.1.0', ALICE);
    expect(reply.text).toContain('registry.example.com/shop/web:2.0.0 → registry.example.com/shop/web:2.1.0');
    expect(reply.text).not.toContain('changes');
    expect(reply.text).not.toContain('commit');
  });

  it('asks GitHub once per pair of commits', async () => {
    const h = harness();
    const github = compareHandler((c) => comparisonPayload({ ...c, status: 'ahead', commits: commits(1) }));
    server.use(...registry({ '1.5.0': NEW }), github.handler);
    const first = await h.say('deploy api prod 1.5.0', ALICE);
    const second = await h.say('deploy api prod 1.5.0', ALICE);
    expect(github.calls).toHaveLength(1);
    expect(second.text).toContain('api: 1 commit (aaaaaaa → bbbbbbb)');
    expect(first.text).toContain('api: 1 commit (aaaaaaa → bbbbbbb)');
  });
});

describe('GitHub compare adapter', () => {
  it('gives up after its timeout with a reason, and keeps at most cacheSize comparisons', async () => {
    const slow = new GitHubCompare({ token: TOKEN, logger: silentLogger, timeoutMs: 100 });
    server.use(http.get('https://api.github.com/repos/:owner/:repo/compare/:range', async () => (await delay('infinite'), HttpResponse.json({}))));
    expect(await slow.compare('acme/shop-api', RUNNING, NEW)).toEqual({ ok: false, reason: 'GitHub did not answer within 0.1 s' });

    const github = compareHandler((c) => comparisonPayload({ ...c, status: 'ahead', commits: commits(1) }));
    server.resetHandlers(github.handler);
    const small = new GitHubCompare({ token: TOKEN, logger: silentLogger, cacheSize: 2 });
    for (const head of ['1', '2', '1', '3', '1', '2']) await small.compare('acme/shop-api', RUNNING, head.repeat(40));
    // 1, 2 asked; 1 cached; 3 asked (2 evicted: 1 was used later); 1 cached; 2 asked again.
    expect(github.calls.map((c) => c.head[0])).toEqual(['1', '2', '3', '2']);
  });

  it('refuses an answer that is not a commit comparison', async () => {
    server.use(http.get('https://api.github.com/repos/:owner/:repo/compare/:range', () => HttpResponse.json({ message: 'hello' })));
    const github = new GitHubCompare({ token: TOKEN, logger: silentLogger });
    expect(await github.compare('acme/shop-api', RUNNING, NEW)).toEqual({ ok: false, reason: 'GitHub answered something unexpected' });
  });
});

describe('registry labels adapter', () => {
  it('reads a public image through an anonymous token from the registry challenge', async () => {
    server.use(
      http.get('https://ghcr.io/v2/acme/shop-api/manifests/1.5.0', ({ request }) =>
        request.headers.get('authorization') === 'Bearer anon-token'
          ? HttpResponse.json({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${'e'.repeat(64)}`, size: 1 }, layers: [] })
          : new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/shop-api:pull"' } }),
      ),
      http.get('https://ghcr.io/token', ({ request }) => {
        const url = new URL(request.url);
        return url.searchParams.get('scope') === 'repository:acme/shop-api:pull' && url.searchParams.get('service') === 'ghcr.io'
          ? HttpResponse.json({ token: 'anon-token' })
          : new HttpResponse(null, { status: 400 });
      }),
      http.get(`https://ghcr.io/v2/acme/shop-api/blobs/sha256:${'e'.repeat(64)}`, ({ request }) =>
        request.headers.get('authorization') === 'Bearer anon-token' ? HttpResponse.json({ config: { Labels: { [REVISION_LABEL]: NEW } } }) : new HttpResponse(null, { status: 401 }),
      ),
    );
    const labels = await new RegistryLabels({ logger: silentLogger }).labels('ghcr.io/acme/shop-api:1.5.0');
    expect(labels).toEqual({ ok: true, labels: { [REVISION_LABEL]: NEW } });
  });
});

describe('deploy announcement', () => {
  it('shows the commits the deploy brings when it starts', async () => {
    const f = actionFixture();
    const boxes = [f.runtime.add({ name: 'api-1', image: `${IMAGE}:1.4.0` })];
    const changes = {
      known: true as const, repo: 'acme/shop-api', base: RUNNING, head: NEW, relation: 'ahead' as const, aheadBy: 2, behindBy: 0,
      commits: [{ sha: '1'.repeat(40), title: 'feat: add push notifications', author: 'alice-dev' }, { sha: '2'.repeat(40), title: 'fix: retry the payment call', author: 'bob-dev' }],
      url: `https://github.com/acme/shop-api/compare/${RUNNING}...${NEW}`,
    };
    const action = await f.claimedPlan({
      kind: 'deploy', project: 'shop', env: 'prod', force: false,
      services: [{ service: 'api', host: 'docker-1', currentImage: `${IMAGE}:1.4.0`, currentVersion: '1.4.0', targetImage: `${IMAGE}:1.5.0`, targetVersion: '1.5.0', revision: boxes.map((b) => b.imageId), units: ['api-1'], changes }],
    });
    await createActionProcessor(f.deps)(action.id);
    const started = f.notifier.announcements.find((a) => a.reply.text.includes('started'))!;
    expect(started.reply.text).toBe(
      [
        'Deploy shop/prod: api 1.4.0 → 1.5.0 started, requested by Alice, approved by Dave.',
        '',
        'api: 2 commits (aaaaaaa → bbbbbbb)',
        '• feat: add push notifications (alice-dev)',
        '• fix: retry the payment call (bob-dev)',
        changes.url,
      ].join('\n'),
    );
  });
});
