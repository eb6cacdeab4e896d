/**
 * PostgreSQL stopped under the core and started again (a private cluster, not the shared server): commands
 * that need the database get the outage sentence, every command and click is in audit_log afterwards with
 * its original time (spooled in Redis meanwhile), and a Confirm clicked during the outage is refused with the
 * sentence, stays pending, and works after recovery.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import { PrismaDeploymentStore } from '../../../src/adapters/prisma/deployment.repository.js';
import { PrismaFreezeStore } from '../../../src/adapters/prisma/freeze.repository.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { PrismaLockStore } from '../../../src/adapters/prisma/lock.repository.js';
import { PrismaOncallOverrideStore } from '../../../src/adapters/prisma/oncall-override.repository.js';
import { PrismaPendingActionStore } from '../../../src/adapters/prisma/pending-action.repository.js';
import { createPrismaClient, type PrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { SpooledAuditLog } from '../../../src/adapters/prisma/spooled-audit.js';
import { parseConfig } from '../../../src/bot/config.js';
import { expireDue } from '../../../src/core/actions/expire-due.js';
import { OutageClicks } from '../../../src/core/actions/outage-clicks.js';
import { allIntents } from '../../../src/core/intents/index.js';
import type { InboundEvent } from '../../../src/core/messages/inbound.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { createCore } from '../../../src/core/pipeline/core.js';
import { DATABASE_UNAVAILABLE } from '../../../src/core/pipeline/unavailable.middleware.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { noopMetrics } from '../../../src/core/ports/metrics.port.js';
import { StoreUnavailableError } from '../../../src/core/ports/store-errors.js';
import { migrateDeploy } from '../../../scripts/db/migrate-commands.js';
import { MemoryRuntimeRegistry } from '../../fakes/memory-runtime.js';
import { MemoryActionQueue, RecordingNotifier } from '../../fakes/memory-stores.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';
import { prismaUnit } from '../../support/prisma-unit.js';

const ALICE = '1001'; // admin of shop
const DAVE = '1004'; // operator of shop

let server: PrivatePostgres;
let prisma: PrismaClient;
let rows: pg.Pool;
let redis: Redis;
const listKey = `test:audit-spool:${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  server = await startPrivatePostgres();
  await migrateDeploy({ url: server.url });
  prisma = createPrismaClient(server.url, { poolMax: 4 });
  rows = new pg.Pool({ connectionString: server.url, max: 1 });
  rows.on('error', () => {}); // its idle connection dies with the server
  redis = new Redis(process.env['REDIS_URL'] || 'redis://127.0.0.1:6379', { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
}, 120_000);

afterAll(async () => {
  await redis?.del(listKey);
  redis?.disconnect();
  await rows?.end();
  await prisma?.$disconnect();
  await server?.destroy();
}, 120_000);

function bot() {
  const config = parseConfig(readFileSync(new URL('../../fixtures/config/core.yaml', import.meta.url), 'utf8'));
  const runtimes = new MemoryRuntimeRegistry(config.catalog.hosts);
  runtimes.get('docker-1').add({ name: 'api-1', id: 'api-1-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  const audit = new SpooledAuditLog(new PrismaAuditLog(prisma), { redis, listKey });
  const clock = { now: () => new Date() };
  const actions = {
    pending: new PrismaPendingActionStore(prisma),
    deployments: new PrismaDeploymentStore(prisma),
    locks: new PrismaLockStore(prisma),
    freezes: new PrismaFreezeStore(prisma),
    queue: new MemoryActionQueue(),
    notifier: new RecordingNotifier(),
    recurringFreezes: config.recurringFreezes,
    confirmTtlMs: config.actions.confirmTtlMs,
    outageClicks: new OutageClicks(silentLogger),
  };
  const core = createCore({
    catalog: config.catalog,
    limits: config.limits,
    runtimes,
    audit,
    clock,
    logger: silentLogger,
    metrics: noopMetrics,
    intents: allIntents,
    actions,
    incidents: { store: new PrismaIncidentStore(prisma), overrides: new PrismaOncallOverrideStore(prisma), settings: config.incidents },
    unit: prismaUnit(prisma, actions.notifier),
  });
  let sent = 0;
  const base = (user: string) => ({ platform: 'telegram', platformUserId: user, chatId: user, chatType: 'private', receivedAt: new Date() });
  const say = (text: string, user = ALICE) => {
    sent++;
    return core.handle({ kind: 'command', text, ...base(user) } as InboundEvent);
  };
  const click = (reply: Reply, label: string, user: string) => {
    const button = reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : [])).find((b) => b.label === label);
    if (!button) throw new Error(`no button "${label}" in: ${reply.text}`);
    sent++;
    return core.handle({ kind: 'action', actionId: button.actionId, pendingId: button.pendingId, ...base(user) } as InboundEvent);
  };
  const sweep = () => expireDue({ pendingActions: actions.pending, unit: prismaUnit(prisma, actions.notifier), clock, outageClicks: actions.outageClicks });
  return { audit, actions, say, click, sweep, sent: () => sent };
}

const count = async (sql: string, params: unknown[] = []) => Number((await rows.query<{ n: string }>(sql, params)).rows[0]!.n);

describe('PostgreSQL stopped and started under the core', () => {
  it('answers with the outage sentence, audits every command and click once, and keeps a clicked action pending', async () => {
    const b = bot();
    // Given a deploy request and a few commands while the database is up
    const request = await b.say('deploy api prod 1.5.0');
    expect(request.text).toContain('1.4.2 → 1.5.0');
    expect((await b.say('status shop')).text).not.toBe(DATABASE_UNAVAILABLE);
    await b.say('help');
    const before = b.sent();
    expect(await count('SELECT count(*) AS n FROM audit_log')).toBe(before);

    // When PostgreSQL goes away
    await server.stop();
    const down = new Date();
    await expect(prisma.auditLog.count()).rejects.toBeInstanceOf(StoreUnavailableError);
    const answers: Reply[] = [];
    for (let i = 0; i < 4; i++) {
      answers.push(await b.say('deploy api prod 1.5.0'));
      answers.push(await b.say('lock shop prod release'));
      await b.say('help');
    }
    const clicked = await b.click(request, 'Approve', DAVE);
    await expect(b.sweep()).rejects.toBeInstanceOf(StoreUnavailableError);

    // Then what needed the database was answered with the sentence, and nothing was lost meanwhile
    for (const a of answers) expect(a.text).toBe(DATABASE_UNAVAILABLE);
    expect(clicked.tone).toBe('error');
    expect(clicked.text).toBe(DATABASE_UNAVAILABLE);
    const during = b.sent() - before;
    expect(await redis.llen(listKey)).toBe(during);

    // When it is back, the spool is flushed (twice, as two replicas might) and the action was not expired
    await server.start();
    const up = new Date();
    expect(await b.audit.flush()).toBe(during);
    await b.audit.flush();
    expect(await redis.llen(listKey)).toBe(0);
    expect(await b.sweep()).toBe(0);
    const total = b.sent();
    expect(await count('SELECT count(*) AS n FROM audit_log')).toBe(total);
    expect(await count('SELECT count(DISTINCT entry_key) AS n FROM audit_log')).toBe(total);
    expect(await count('SELECT count(*) AS n FROM audit_log WHERE at >= $1 AND at <= $2', [down, up])).toBe(during);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE detail = 'database unavailable' AND outcome = 'error'`)).toBe(9);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE intent = 'action' AND detail = 'database unavailable'`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM pending_action WHERE status = 'pending'`)).toBe(1);

    // And the Confirm clicked during the outage works now
    const approved = await b.click(request, 'Approve', DAVE);
    expect(approved.text).toBe('Approved by Dave (requested by Alice); running now. Progress follows here.');
    expect(b.actions.queue.enqueued).toHaveLength(1);
    expect(await count('SELECT count(*) AS n FROM audit_log')).toBe(b.sent());
  }, 120_000);

  it('inserts an entry recorded twice under one key once', async () => {
    const audit = new PrismaAuditLog(prisma);
    const entry = { requestId: 'twice', at: new Date('2026-12-02T01:00:00Z'), platform: 'telegram' as const, platformUserId: ALICE, personId: 'alice', chatId: ALICE, intent: 'help', args: 'help', outcome: 'ok' as const, detail: null, durationMs: 1 };
    await audit.recordOnce('key-twice', entry);
    await audit.recordOnce('key-twice', { ...entry, durationMs: 2 });
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE request_id = 'twice'`)).toBe(1);
  });
});
