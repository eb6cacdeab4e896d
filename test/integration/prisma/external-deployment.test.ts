import { createRequire } from 'node:module';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubWebhookHandler } from '../../../src/adapters/http/github-webhook.handler.js';
import { recordExternalDeploy } from '../../../src/core/deploys/external-deploy.js';
import { signGitHubPayload } from '../../../src/adapters/http/github-webhook.signature.js';
import { createHttpServer, type HttpServer } from '../../../src/adapters/http/http-server.js';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import { PrismaDeploymentStore } from '../../../src/adapters/prisma/deployment.repository.js';
import { PrismaProcessedEvents } from '../../../src/adapters/prisma/processed-event.repository.js';
import { commitTimeOf, computeDora } from '../../../src/core/domain/dora.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { RecordingNotifier } from '../../fakes/memory-stores.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

const SECRET = 'integration-webhook-secret';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Json[] }[];
const example = (name: string, i: number): Json => structuredClone(definitions.find((d) => d.name === name)!.examples[i]!);

let db: TestDatabase;
let store: PrismaDeploymentStore;
let server: HttpServer | undefined;

beforeAll(async () => {
  db = await createTestDatabase('external_deployment');
  store = new PrismaDeploymentStore(db.prisma);
});
afterAll(() => db?.drop());
beforeEach(() => db.pool.query('TRUNCATE deployment, processed_event RESTART IDENTITY'));
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The webhook on the real HTTP server, over the PostgreSQL deployment store and delivery dedupe. */
async function startWebhook(notifier: RecordingNotifier) {
  const events = new PrismaProcessedEvents(db.prisma);
  const handler = createGitHubWebhookHandler({
    secret: SECRET,
    deployments: store,
    notifier,
    audit: new PrismaAuditLog(db.prisma),
    clock: { now: () => new Date() },
    logger: silentLogger,
    isFirstSeen: (id) => events.firstSeen('github', id),
    resolveService: (repo, env) => (repo === 'Codertocat/Hello-World' && env === 'production' ? { project: 'shop', env: 'prod', service: 'api' } : null),
  });
  server = createHttpServer({ logger: silentLogger, metricsRegistry: new Registry(), routes: [{ method: 'POST', path: '/webhooks/github', handler }] });
  const { port } = await server.listen(0, '127.0.0.1');
  return async (body: Json, delivery: string) => {
    const raw = JSON.stringify(body);
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'deployment_status', 'x-github-delivery': delivery, 'x-hub-signature-256': signGitHubPayload(SECRET, raw) },
      body: raw,
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
}

describe('external deployments in PostgreSQL', () => {
  it('stores a signed deployment_status once, replays and redeliveries included', async () => {
    const notifier = new RecordingNotifier();
    const post = await startWebhook(notifier);
    const body = example('deployment_status', 0);
    body.workflow_run = { ...example('deployment_status', 1).workflow_run, head_commit: { id: body.deployment.sha, message: 'fix', timestamp: '2019-05-15T15:00:55Z' } };

    expect(await post(body, 'dlv-1')).toEqual({ status: 200, body: { status: 'recorded', delivery: 'dlv-1' } });
    expect((await post(body, 'dlv-1')).body.status).toBe('duplicate');
    expect((await post(body, 'dlv-2')).body.status).toBe('duplicate');

    const rows = await store.recent({ project: 'shop', limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actionId: 'github-deployment:145988746', source: 'external', status: 'succeeded', version: 'f95f852',
      image: 'github:Codertocat/Hello-World@f95f852', requestedBy: 'github:Codertocat', finishedAt: new Date('2019-05-15T15:20:55Z'),
    });
    expect(commitTimeOf(rows[0]!)).toEqual(new Date('2019-05-15T15:00:55Z'));
    expect(notifier.announcements).toHaveLength(1);
    const audited = await new PrismaAuditLog(db.prisma).recent({ limit: 10, intent: 'deploy.external' });
    expect(audited.map((e) => [e.requestId, e.platform, e.platformUserId, e.chatId, e.outcome])).toEqual([['github-dlv-1', 'webhook', 'github', 'shop', 'ok']]);
    const { rows: seen } = await db.pool.query<{ event_id: string }>("SELECT event_id FROM processed_event WHERE platform = 'github' ORDER BY event_id");
    expect(seen.map((r) => r.event_id)).toEqual(['dlv-1', 'dlv-2']);
  });

  it('takes the last succeeded deploy before its own time as the previous version, not a later one', async () => {
    // Given deploys A (t1) and C (t3) recorded, when the status of B, created at t2, arrives late
    const target = { project: 'shop', env: 'prod', service: 'api', image: 'reg/shop/api' };
    const base = { target, repo: 'acme/shop', requestedBy: 'github:ci', note: 'GitHub deployment', status: 'succeeded' as const, committedAt: null };
    const deployAt = (id: number, version: string, iso: string) => ({
      ...base, actionId: `github-deployment:${id}`, version, startedAt: new Date(iso), finishedAt: new Date(new Date(iso).getTime() + 60_000),
    });
    await recordExternalDeploy(store, deployAt(1, 'v1.0.0', '2026-11-20T10:00:00Z'));
    await recordExternalDeploy(store, { ...deployAt(9, 'v1.0.1', '2026-11-20T11:00:00Z'), status: 'failed' });
    await recordExternalDeploy(store, deployAt(3, 'v3.0.0', '2026-11-20T14:00:00Z'));
    const b = await recordExternalDeploy(store, deployAt(2, 'v2.0.0', '2026-11-20T12:00:00Z'));

    // Then B follows A (the failed deploy between them is no previous version), and C keeps A as its own
    expect(b).toMatchObject({ version: 'v2.0.0', previousVersion: 'v1.0.0', previousImage: 'reg/shop/api:v1.0.0' });
    const rows = await store.recent({ project: 'shop', env: 'prod', service: 'api', limit: 10 });
    expect(rows.find((r) => r.version === 'v2.0.0')).toMatchObject({ previousVersion: 'v1.0.0' });
    expect(rows.find((r) => r.version === 'v3.0.0')).toMatchObject({ previousVersion: 'v1.0.0' });

    // A deploy older than every record has no previous version
    const first = await recordExternalDeploy(store, deployAt(0, 'v0.9.0', '2026-11-19T10:00:00Z'));
    expect(first).toMatchObject({ previousVersion: null, previousImage: null });
  });

  it('feeds lead time and change failure rate from the stored records', async () => {
    const target = { project: 'shop', env: 'prod', service: 'api', image: 'reg/shop/api' };
    const base = { target, repo: 'acme/shop', requestedBy: 'github:ci', note: 'GitHub deployment' };
    const ok = await recordExternalDeploy(store, {
      ...base, actionId: 'github-deployment:1', version: 'v1.0.0', status: 'succeeded',
      startedAt: new Date('2026-11-20T10:00:00Z'), finishedAt: new Date('2026-11-20T10:10:00Z'), committedAt: new Date('2026-11-20T08:10:00Z'),
    });
    await recordExternalDeploy(store, {
      ...base, actionId: 'github-deployment:2', version: 'v1.1.0', status: 'failed',
      startedAt: new Date('2026-11-21T10:00:00Z'), finishedAt: new Date('2026-11-21T10:05:00Z'), committedAt: null,
    });
    expect(await recordExternalDeploy(store, { ...base, actionId: 'github-deployment:1', version: 'v1.0.0', status: 'succeeded', startedAt: new Date(), finishedAt: new Date(), committedAt: null })).toBeNull();

    // Two deliveries of one CI deployment racing: exactly one record.
    const same = { ...base, actionId: 'github-deployment:3', version: 'v1.2.0', status: 'failed' as const, startedAt: new Date('2026-11-01T10:00:00Z'), finishedAt: new Date('2026-11-01T10:01:00Z'), committedAt: null };
    const raced = await Promise.all([recordExternalDeploy(store, same), recordExternalDeploy(store, same)]);
    expect(raced.filter((r) => r !== null)).toHaveLength(1);

    const rows = await store.recent({ project: 'shop', env: 'prod', limit: 500 });
    expect(rows.filter((r) => r.actionId === 'github-deployment:3')).toHaveLength(1);
    expect(rows.find((r) => r.version === 'v1.1.0')).toMatchObject({ previousVersion: 'v1.0.0', previousImage: 'reg/shop/api:v1.0.0', image: 'reg/shop/api:v1.1.0' });
    expect(ok).toMatchObject({ status: 'succeeded' });
    const dora = computeDora(rows, [], { days: 30 }, new Date('2026-11-23T12:00:00Z'));
    expect(dora).toMatchObject({ deploys: 1, leadTime: { medianMs: 2 * 3_600_000, samples: 1 }, changeFailure: { failed: 2, total: 3, rate: 2 / 3 } });
  });
});
