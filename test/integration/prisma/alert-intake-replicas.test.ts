/**
 * One Alertmanager notification reaching two replicas at once (Alertmanager in HA mode sends it from every
 * peer): the real processor over PrismaIncidentStore and PrismaAuditLog, each replica with its own Prisma
 * client (its own connection pool), in a private schema. One incident, one message, one audit entry.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { createPrismaClient, type PrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { processAlertGroup, type AlertProcessorDeps } from '../../../src/core/incidents/alert-notification.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { RecordingNotifier } from '../../fakes/memory-stores.js';
import { shopAlert, shopGroup } from '../../support/alert-group.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { prismaUnit } from '../../support/prisma-unit.js';

let db: TestDatabase;
const clients: PrismaClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase('alert_intake');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.$disconnect()));
  await db?.drop();
});
beforeEach(() => db.pool.query('TRUNCATE incident, audit_log'));

const T0 = new Date('2026-11-23T12:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);

/**
 * Lets `n` callers through only together, so every replica has read "no open incident" (or the same states)
 * before any of them writes: the race the conditional writes must decide, made certain instead of likely.
 */
function barrier(n: number): () => Promise<void> {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    if (++waiting === n) release();
    return all;
  };
}

/** A replica: its own client and stores; its first read of the open incident waits at `gate` when given. */
function replica(notifier: RecordingNotifier, now: Date, gate?: () => Promise<void>): AlertProcessorDeps {
  const prisma = createPrismaClient(db.url, { poolMax: 3 });
  clients.push(prisma);
  const incidents = new PrismaIncidentStore(prisma);
  if (gate) {
    const findOpen = incidents.findOpen.bind(incidents);
    let first = true;
    incidents.findOpen = async (project, key) => {
      const found = await findOpen(project, key);
      if (first) {
        first = false;
        await gate();
      }
      return found;
    };
  }
  return {
    incidents,
    notifier,
    unit: prismaUnit(prisma, notifier),
    audit: new PrismaAuditLog(prisma),
    clock: { now: () => now },
    logger: silentLogger,
    projectLabel: 'project',
    projects: new Set(['shop']),
    nameOf: (id: string) => id,
    settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 },
    catalog: { projects: [] },
  };
}

const alert = (fingerprint: string, startsAt = T0) => shopAlert(fingerprint, startsAt);
const group = shopGroup;

const auditedIntents = async (): Promise<string[]> =>
  (await db.pool.query<{ intent: string }>('SELECT intent FROM audit_log ORDER BY id')).rows.map((r) => r.intent);

describe('one notification posted to two replicas at once (PostgreSQL)', () => {
  it('opens one incident, publishes one message and audits one opening', async () => {
    const notifier = new RecordingNotifier();
    const gate = barrier(2);
    const [a, b] = [replica(notifier, min(1), gate), replica(notifier, min(1), gate)];

    const outs = await Promise.all([processAlertGroup(a, group([alert('a1'), alert('a2')])), processAlertGroup(b, group([alert('a1'), alert('a2')]))]);

    const changes = outs.map((o) => o.incidents[0]!);
    expect(changes.map((c) => c.change).sort()).toEqual(['opened', 'unchanged']);
    const rows = (await db.pool.query<{ id: string; status: string }>('SELECT id, status FROM incident')).rows;
    expect(rows).toEqual([{ id: changes[0]!.id, status: 'open' }]);
    expect(changes[1]!.id).toBe(rows[0]!.id);
    expect(notifier.announcements).toHaveLength(1);
    expect(notifier.announcements[0]!.reply.text).toContain(`Incident: ${rows[0]!.id}`);
    expect(await auditedIntents()).toEqual(['incident.opened']);
    const stored = await a.incidents.get(rows[0]!.id);
    expect(stored!.timeline.map((e) => e.kind)).toEqual(['opened', 'firing', 'firing']);
  });

  it('writes the next notification of the group once, too', async () => {
    const notifier = new RecordingNotifier();
    const opened = await processAlertGroup(replica(notifier, min(1)), group([alert('a1')]));
    const id = opened.incidents[0]!.id!;
    const gate = barrier(2);
    const [a, b] = [replica(notifier, min(3), gate), replica(notifier, min(3), gate)];
    const next = group([alert('a1'), alert('a2', min(3))]);

    const outs = await Promise.all([processAlertGroup(a, next), processAlertGroup(b, next)]);

    expect(outs.map((o) => o.incidents[0]!).sort((x, y) => x.change.localeCompare(y.change))).toEqual([
      { project: 'shop', id, change: 'unchanged' },
      { project: 'shop', id, change: 'updated' },
    ]);
    expect((await db.pool.query('SELECT id FROM incident')).rows).toEqual([{ id }]);
    expect((await a.incidents.get(id))!.timeline.map((e) => e.kind)).toEqual(['opened', 'firing', 'firing']);
    expect(notifier.announcements).toHaveLength(2);
    expect(await auditedIntents()).toEqual(['incident.opened', 'incident.updated']);
  });
});
