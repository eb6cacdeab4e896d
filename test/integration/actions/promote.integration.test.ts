/**
 * `promote` on the real stack: PostgreSQL (pending actions, deployments, incidents, the installation key),
 * BullMQ on Redis, Podman running images built with OCI revision labels and pushed to the local registry
 * (whose manifests the plan checks with HEAD), and GitHub's compare API answered at the network (msw).
 * A two-service project promoted staging → prod: one env key missing in prod, one value differing (never
 * shown nor logged), a soak-time warning, a ⛔ for an open incident, then a four-eyes promotion that runs
 * the services one after another; staging → qa stops at the first failure and says what was promoted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubCompare } from '../../../src/adapters/github/github-compare.js';
import { PrismaInstallationKeys } from '../../../src/adapters/prisma/installation-key.repository.js';
import { RegistryLabels } from '../../../src/adapters/registry/registry-labels.js';
import { asCoreLogger, createLogger } from '../../../src/bot/logger.js';
import { REVISION_LABEL } from '../../../src/core/deploys/deploy-changes.js';
import { createActionsStack, pendingIdOf, type ActionsStack } from '../../support/actions-stack.js';
import { compareHandler, comparisonPayload } from '../../support/github-compare.fake.js';
import { BUSYBOX_IMAGE, runHealthcheck } from '../../support/podman.js';
import { REGISTRY_ADDR } from '../../support/registry.js';

const RUN = randomBytes(4).toString('hex');
const REPO = `${REGISTRY_ADDR}/deckhand/promote`;
const SHA = { api14: randomBytes(20).toString('hex'), api15: randomBytes(20).toString('hex'), web30: randomBytes(20).toString('hex'), web31: randomBytes(20).toString('hex') };
const IMAGES = { api14: `${REPO}:${RUN}-api-1.4`, api15: `${REPO}:${RUN}-api-1.5`, web30: `${REPO}:${RUN}-web-3.0`, web31: `${REPO}:${RUN}-web-3.1` };
/** The values of API_TOKEN on each side: they differ, and neither may appear in a reply, a push or a log line. */
const STAGING_TOKEN = `staging-${randomBytes(12).toString('hex')}`;
const PROD_TOKEN = `prod-${randomBytes(12).toString('hex')}`;
const FEATURE_VALUE = `feature-${randomBytes(8).toString('hex')}`;

const github = compareHandler((c) =>
  comparisonPayload({
    ...c,
    status: 'ahead',
    commits: [
      { sha: randomBytes(20).toString('hex'), message: `feat: ${c.head === SHA.api15 ? 'api' : 'web'} change one\n\nbody`, login: 'alice-dev' },
      { sha: randomBytes(20).toString('hex'), message: 'fix: change two', login: 'bob-dev' },
    ],
  }),
);
// Only api.github.com is answered here; the engine and the registry are reached for real.
const msw = setupServer(github.handler);

/** Everything Deckhand logs, as pino writes it (JSON lines), to check that no value leaks. */
const logged: string[] = [];
const logger = asCoreLogger(createLogger({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => void (logged.push(String(chunk)), done()) })));

const service = (name: string, env: string, runId: string, extra = '') => `${name}: { host: local, labels: { app: promo-${name}, env: ${env}, deckhand.it: ${runId} }${extra} }`;
const yaml = (runId: string, dockerUrl: string) => `
hosts:
  local: { url: "${dockerUrl}", timeoutMs: 30000 }
projects:
  shop:
    environments:
      staging: { services: { ${service('api', 'staging', runId)}, ${service('web', 'staging', runId)} } }
      prod: { production: true, services: { ${service('api', 'prod', runId)}, ${service('web', 'prod', runId)} } }
      qa: { services: { ${service('api', 'qa', runId)}, ${service('web', 'qa', runId, ', probe: { url: "http://127.0.0.1:9/{container}", timeout: 2s }')} } }
people:
  - { id: alice, name: Alice, telegram: 1001, roles: [{ role: admin, project: shop }] }
  - { id: dave, name: Dave, telegram: 1002, roles: [{ role: admin, project: shop }] }
  - { id: bob, name: Bob, telegram: 1003, roles: [{ role: operator, project: shop }] }
  - { id: carol, name: Carol, telegram: 1004, roles: [{ role: operator, project: shop }] }
  - { id: vic, name: Vic, telegram: 1005, roles: [{ role: viewer, project: shop }] }
limits: { hostTimeoutMs: 30000 }
actions: { confirmTtl: 5m, healthTimeout: 20s, healthGrace: 1s, lockLease: 30s }
promotion: { soak: 2h }
`;

let stack: ActionsStack;
const HOUR = 3_600_000;

function followStream(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`${what} failed: ${failed}`));
      else resolve();
    });
  });
}

/** A busybox httpd image with a healthcheck, its version and revision labels, pushed to the local registry. */
async function buildAndPush(docker: Docker, image: string, version: string, revision: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-promote-'));
  try {
    const lines = [
      `FROM ${BUSYBOX_IMAGE}`,
      `RUN busybox mkdir -p /www && echo ${version} > /www/index.html`,
      `LABEL org.opencontainers.image.version=${version} ${REVISION_LABEL}=${revision}`,
      'HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O- http://127.0.0.1:8080/ || exit 1',
      `CMD ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]`,
    ];
    writeFileSync(join(dir, 'Containerfile'), `${lines.join('\n')}\n`);
    await followStream(docker, await docker.buildImage({ context: dir, src: ['Containerfile'] }, { t: image, dockerfile: 'Containerfile' }), `build ${image}`);
    await followStream(docker, await docker.getImage(image).push({}), `push ${image}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(name: string, env: string, image: string, vars: Record<string, string>, suffix = ''): Promise<void> {
  await stack.fixture.create({ name: stack.fixture.name(`${name}-${env}${suffix}`), image, labels: { app: `promo-${name}`, env, 'deckhand.it': stack.fixture.runId }, Env: Object.entries(vars).map(([k, v]) => `${k}=${v}`) });
}

/** [service, image] of the running containers of `env`, sorted. */
async function imagesIn(env: string): Promise<string[]> {
  const listed = await stack.docker.listContainers({ filters: JSON.stringify({ label: [`env=${env}`, `deckhand.it=${stack.fixture.runId}`] }) });
  return listed.map((c) => `${c.Labels['app']} ${c.Image}`).sort();
}

/** Runs each container's healthcheck (Podman schedules none without systemd) until all of `env` are healthy. */
async function waitHealthy(env: string): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const listed = await stack.docker.listContainers({ filters: JSON.stringify({ label: [`env=${env}`, `deckhand.it=${stack.fixture.runId}`] }) });
    const states = await Promise.all(listed.map((c) => runHealthcheck(stack.docker, c.Id).catch((e: Error) => e.message)));
    if (listed.length > 0 && states.every((s) => s === 'healthy')) return;
    if (Date.now() > until) throw new Error(`containers of ${env} not healthy: ${states.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function leaksNothing(...texts: string[]): void {
  const all = [...texts, ...stack.notifier.edits.map((e) => JSON.stringify(e.reply)), ...stack.notifier.announcements.map((a) => JSON.stringify(a.reply)), ...logged].join('\n');
  for (const secret of [STAGING_TOKEN, PROD_TOKEN, FEATURE_VALUE]) expect(all).not.toContain(secret);
}

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'bypass' });
  stack = await createActionsStack({
    name: 'promote-it',
    logger,
    yaml,
    settings: { healthTimeoutMs: 20_000, healthGraceMs: 1_000 },
    promotion: (prisma) => ({ images: new RegistryLabels({ logger }), keys: new PrismaInstallationKeys(prisma), soakMs: 2 * HOUR }),
    changes: { code: new GitHubCompare({ token: 'ghs_0123456789abcdefghijABCDEFGHIJ', logger }), images: new RegistryLabels({ logger }), repoOf: () => 'acme/shop' },
  });
  // api14 → version 1.4, web31 → 3.1.
  for (const [key, image] of Object.entries(IMAGES)) await buildAndPush(stack.docker, image, `${key.slice(3, 4)}.${key.slice(4)}`, SHA[key as keyof typeof SHA]);
  const common = { LOG_LEVEL: 'info' };
  await run('api', 'staging', IMAGES.api15, { ...common, API_TOKEN: STAGING_TOKEN, FEATURE_X: FEATURE_VALUE });
  await run('web', 'staging', IMAGES.web31, common);
  await run('api', 'prod', IMAGES.api14, { ...common, API_TOKEN: PROD_TOKEN });
  await run('web', 'prod', IMAGES.web30, common);
  await run('api', 'qa', IMAGES.api14, common);
  await run('web', 'qa', IMAGES.web30, common);
  for (const env of ['staging', 'prod', 'qa']) await waitHealthy(env);
}, 180_000);

afterAll(async () => {
  msw.close();
  await stack?.close();
});

describe('promote on the real stack (PostgreSQL, Redis, Podman, registry; GitHub at the network)', { timeout: 120_000 }, () => {
  it('plans staging → prod: versions, commits, config keys (no value), registry, and a soak warning that needs --force', async () => {
    const reply = await stack.say('promote shop staging prod', 'carol');

    expect(pendingIdOf(reply)).toBeUndefined();
    expect(reply.text).toMatch(/Promote shop: staging → prod \(2 services\)/);
    expect(reply.text).toMatch(/api\s+1\.5\s+1\.4/);
    expect(reply.text).toMatch(/web\s+3\.1\s+3\.0/);
    expect(reply.text).toMatch(/api: 2 commits \(\w{7} → \w{7}\)\n• feat: api change one \(alice-dev\)\n• fix: change two \(bob-dev\)/);
    expect(github.calls.map((c) => [c.base, c.head]).sort()).toEqual([[SHA.api14, SHA.api15], [SHA.web30, SHA.web31]].sort());
    expect(reply.text).toMatch(/api:\n {2}missing in prod: FEATURE_X\n {2}values differ: API_TOKEN\n1 other service is the same\./);
    expect(reply.text).toMatch(/✅ all 2 images are in the registry/);
    expect(reply.text).toMatch(/✅ every staging container is healthy \(2\)/);
    expect(reply.text).toMatch(/⚠️ api: running for \d+ min in staging, soak is 2 h/);
    expect(reply.text).toMatch(/✅ no incident for these services in staging in the last 24 h/);
    expect(reply.text).toMatch(/✅ prod is not locked or frozen/);
    expect(reply.text).toMatch(/An admin may promote anyway with --force/);
    leaksNothing(reply.text);
  });

  it('an open incident on api in staging is a ⛔ that even an admin’s --force does not pass', async () => {
    const incident = await stack.incidents.open({
      project: 'shop',
      groupKey: `{}:{alertname="ApiErrors",run="${RUN}"}`,
      title: 'ApiErrors: 5xx above 2%',
      openedAt: new Date(stack.clock.now().getTime() - 3 * HOUR),
      alerts: [{ fingerprint: `fp-${RUN}`, name: 'ApiErrors', status: 'firing', summary: '5xx above 2%', startsAt: new Date(), endsAt: null, labels: { alertname: 'ApiErrors', service: 'api', env: 'staging' } }],
      timeline: [],
    });

    const reply = await stack.say('promote shop staging prod --force', 'alice');

    expect(pendingIdOf(reply)).toBeUndefined();
    expect(reply.text).toContain(`⛔ incident ${incident.id} on api in staging, opened 3 h ago: ApiErrors: 5xx above 2%`);
    expect(reply.text).toMatch(/Cannot promote: 1 check failed \(⛔\)/);
    // Resolved, it still blocks for 24 hours after it opened.
    await stack.incidents.resolve(incident.id, stack.clock.now(), incident.alerts.map((a) => ({ ...a, status: 'resolved' as const })), []);
    expect((await stack.say('promote shop staging prod --force', 'alice')).text).toMatch(/⛔ incident .* \(resolved\)/);
    leaksNothing(reply.text);
  });

  it('a day later: all ✅, four-eyes, and both services promoted one after another in one message', async () => {
    stack.setClockOffset(25 * HOUR);
    const request = await stack.say('promote shop staging prod', 'carol');
    const id = pendingIdOf(request);
    expect(id, request.text).toBeDefined();
    expect(request.text).not.toMatch(/⚠️|⛔/);
    expect(request.text).toMatch(/✅ every version ran in staging for at least 2 h/);
    expect(request.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons.map((x) => x.label) : []))).toEqual(['Promote now', 'Cancel']);

    expect((await stack.click(request, 'Promote now', 'carol')).text).toMatch(/cannot approve your own request/);
    expect((await stack.click(request, 'Promote now', 'vic')).text).toMatch(/need the operator role/);
    expect((await stack.click(request, 'Promote now', 'bob')).text).toBe('Approved by Bob (requested by Carol); running now. Progress follows here.');
    const action = await stack.waitForAction(id!, 'succeeded');

    expect(action.result).toMatch(/^Promoted: api 1\.5, web 3\.1\. \(2 containers replaced\)\.$/);
    expect(await imagesIn('prod')).toEqual([`promo-api ${IMAGES.api15}`, `promo-web ${IMAGES.web31}`]);
    const edits = stack.notifier.editsOf(request.messageId!);
    const first = (re: RegExp) => edits.findIndex((t) => re.test(t));
    expect(first(/1\/2 api: 1\.4 → 1\.5/)).toBeGreaterThanOrEqual(0);
    expect(first(/api now runs 1\.5 in prod/)).toBeGreaterThan(first(/1\/2 api/));
    expect(first(/2\/2 web: 3\.0 → 3\.1/)).toBeGreaterThan(first(/api now runs 1\.5/));
    expect(edits.at(-1)).toMatch(/Promote shop staging → prod: api 1\.4 → 1\.5, web 3\.0 → 3\.1 \(succeeded\)/);
    const records = (await stack.deps.deployments.recent({ project: 'shop', env: 'prod', limit: 10 })).filter((d) => d.actionId === id);
    expect(records.map((d) => [d.service, d.status, d.previousVersion, d.version, d.approvedBy]).sort()).toEqual([
      ['api', 'succeeded', '1.4', '1.5', 'bob'],
      ['web', 'succeeded', '3.0', '3.1', 'bob'],
    ]);
    expect((await stack.say('promote shop staging prod', 'carol')).text).toMatch(/Nothing to promote: prod already runs what staging runs \(api 1\.5, web 3\.1\)/);
    leaksNothing(request.text);
  });

  it('refuses at click time when the target changed since the plan (drift)', async () => {
    stack.setClockOffset(25 * HOUR);
    const request = await stack.say('promote shop staging qa api', 'carol');
    expect(pendingIdOf(request), request.text).toBeDefined();
    // Someone replaces qa's api container after the plan was shown.
    const [qaApi] = await stack.docker.listContainers({ filters: JSON.stringify({ label: ['app=promo-api', 'env=qa', `deckhand.it=${stack.fixture.runId}`] }) });
    await stack.docker.getContainer(qaApi!.Id).remove({ force: true });
    await run('api', 'qa', IMAGES.api15, { LOG_LEVEL: 'info', API_TOKEN: PROD_TOKEN }, '-b');
    await waitHealthy('qa');

    const answer = await stack.click(request, 'Promote now', 'carol');

    expect(answer.text).toMatch(/api changed since the request \(now 1\.5, was 1\.4\); nothing ran\./);
    expect((await stack.deps.pendingActions.get(pendingIdOf(request)!))?.status).toBe('refused');
    // Put qa back for the next test.
    const [again] = await stack.docker.listContainers({ filters: JSON.stringify({ label: ['app=promo-api', 'env=qa', `deckhand.it=${stack.fixture.runId}`] }) });
    await stack.docker.getContainer(again!.Id).remove({ force: true });
    await run('api', 'qa', IMAGES.api14, { LOG_LEVEL: 'info' }, '-c');
    await waitHealthy('qa');
  });

  it('staging → qa stops at web (its probe fails, it is put back) and says api was promoted and web was not', async () => {
    stack.setClockOffset(25 * HOUR);
    const request = await stack.say('promote shop staging qa', 'carol');
    const id = pendingIdOf(request);
    expect(id, request.text).toBeDefined();
    expect(request.text).toMatch(/Nothing runs until you confirm/);

    await stack.click(request, 'Promote now', 'carol');
    const action = await stack.waitForAction(id!, 'failed');

    expect(action.result).toMatch(/^web: .*Rolled back.* Promoted: api 1\.5\. Not promoted: web\.$/);
    expect(await imagesIn('qa')).toEqual([`promo-api ${IMAGES.api15}`, `promo-web ${IMAGES.web30}`]);
    const records = (await stack.deps.deployments.recent({ project: 'shop', env: 'qa', limit: 10 })).filter((d) => d.actionId === id);
    expect(records.map((d) => [d.service, d.status]).sort()).toEqual([['api', 'succeeded'], ['web', 'rolled_back']]);
    // api's record was closed when api was promoted, before web's began.
    const [api, web] = ['api', 'web'].map((name) => records.find((d) => d.service === name)!);
    expect(api!.finishedAt!.getTime()).toBeLessThanOrEqual(web!.startedAt.getTime());
    expect(stack.notifier.editsOf(request.messageId!).join('\n')).toMatch(/web did not succeed; stopping here/);
  });
});
