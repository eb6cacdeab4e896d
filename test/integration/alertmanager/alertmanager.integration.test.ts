/**
 * The real Alertmanager (scripts/ci/setup-alertmanager.sh, 127.0.0.1:9093) firing and resolving an alert
 * into the real receiver on 127.0.0.1:19094, with incidents in PostgreSQL and a recording notifier.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTMANAGER_WEBHOOK_PATH, createAlertmanagerWebhookHandler } from '../../../src/adapters/http/alertmanager.handler.js';
import { createHttpServer, type HttpServer } from '../../../src/adapters/http/http-server.js';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { systemClock } from '../../../src/core/ports/clock.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { RecordingNotifier } from '../../fakes/memory-stores.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { prismaUnit } from '../../support/prisma-unit.js';

const PORT = 19094;
const RECEIVER = `http://127.0.0.1:${PORT}${ALERTMANAGER_WEBHOOK_PATH}`;
const ALERTMANAGER = 'http://127.0.0.1:9093';
const TOKEN = 'deckhand-ci-alertmanager-token';
const SETUP = fileURLToPath(new URL('../../../scripts/ci/setup-alertmanager.sh', import.meta.url));

let db: TestDatabase;
let store: PrismaIncidentStore;
let server: HttpServer;
const notifier = new RecordingNotifier();

beforeAll(async () => {
  db = await createTestDatabase('incidents');
  store = new PrismaIncidentStore(db.prisma);
  const handler = createAlertmanagerWebhookHandler({
    auth: { bearerToken: TOKEN, basic: { username: 'alertmanager', password: 'basic-secret-pass' } },
    incidents: store,
    notifier,
    unit: prismaUnit(db.prisma, notifier),
    audit: new PrismaAuditLog(db.prisma),
    clock: systemClock,
    logger: silentLogger,
    projects: new Set(['shop']),
    nameOf: (id) => id,
    catalog: { projects: [] },
    settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 },
  });
  server = createHttpServer({ logger: silentLogger, metricsRegistry: new Registry(), routes: [{ method: 'POST', path: ALERTMANAGER_WEBHOOK_PATH, handler }] });
  await server.listen(PORT, '127.0.0.1');
  execFileSync(SETUP, [RECEIVER], { env: { ...process.env, ALERTMANAGER_WEBHOOK_TOKEN: TOKEN }, stdio: 'pipe', timeout: 110_000 });
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

async function postAlerts(alerts: unknown[]): Promise<void> {
  const res = await fetch(`${ALERTMANAGER}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  expect(res.status).toBe(200);
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const findPost = (needle: string) => () => notifier.announcements.find((a) => a.reply.text.includes(needle));

describe('Alertmanager → receiver → incident', () => {
  it('opens an incident with one group message, then resolves it and posts a postmortem', async () => {
    const name = `DeckhandIT${randomBytes(4).toString('hex')}`;
    const labels = { alertname: name, project: 'shop', service: 'api' };
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    await postAlerts([
      { labels, annotations: { summary: 'api 5xx above 5%' }, startsAt },
      { labels: { ...labels, service: 'web' }, annotations: { summary: 'web 5xx above 5%' }, startsAt },
    ]);

    const firing = await waitFor('the firing message', findPost(`FIRING (2): ${name} — shop`));
    expect(firing.project).toBe('shop');
    const incident = await store.latestOpen(['shop']);
    expect(incident).toMatchObject({ project: 'shop', status: 'open', title: name });
    expect(incident!.alerts.map((a) => a.status)).toEqual(['firing', 'firing']);
    expect(notifier.announcements.filter((a) => a.reply.text.includes(name))).toHaveLength(1);

    const endsAt = new Date().toISOString();
    await postAlerts([
      { labels, annotations: { summary: 'api 5xx above 5%' }, startsAt, endsAt },
      { labels: { ...labels, service: 'web' }, annotations: { summary: 'web 5xx above 5%' }, startsAt, endsAt },
    ]);
    const postmortem = await waitFor('the postmortem', findPost(`Postmortem draft: incident ${incident!.id}`));
    expect(postmortem.reply.text).toContain(`${name} in shop lasted`);
    const done = await store.get(incident!.id);
    expect(done).toMatchObject({ status: 'resolved' });
    expect(done!.timeline.map((e) => e.kind)).toEqual(['opened', 'firing', 'firing', 'resolved', 'resolved', 'closed']);
    // Both changes are in the audit table, with Alertmanager as the actor.
    const audited = await new PrismaAuditLog(db.prisma).recent({ limit: 50 });
    const mine = audited.filter((e) => e.args.includes(`incident ${incident!.id}:`)).map((e) => [e.intent, e.platform, e.platformUserId, e.chatId]);
    expect(mine).toEqual([
      ['incident.resolved', 'webhook', 'alertmanager', 'shop'],
      ['incident.opened', 'webhook', 'alertmanager', 'shop'],
    ]);
  });

  it('answers 401 to forged or missing credentials and 400 to an invalid payload', async () => {
    const body = JSON.stringify({ version: '4' });
    const post = (authorization?: string) =>
      fetch(RECEIVER, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
    expect((await post()).status).toBe(401);
    expect((await post(`Bearer ${TOKEN}-forged`)).status).toBe(401);
    expect((await post(`Basic ${Buffer.from('alertmanager:wrong').toString('base64')}`)).status).toBe(401);
    const bad = await post(`Basic ${Buffer.from('alertmanager:basic-secret-pass').toString('base64')}`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid Alertmanager payload' });
    expect((await post(`Bearer ${TOKEN}`)).status).toBe(400);
  });

  it('refuses bodies over the size limit with 413', async () => {
    const res = await fetch(RECEIVER, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'x'.repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
  });
});
