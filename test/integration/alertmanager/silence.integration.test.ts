/**
 * The Silence button end to end: a click through the real core with the real Alertmanager silencer
 * (scripts/ci/setup-alertmanager.sh, API on 127.0.0.1:9093) and incidents in PostgreSQL. Alertmanager
 * must then list the silence, active, with the incident's common labels as matchers.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAlertmanagerSilencer } from '../../../src/adapters/http/alertmanager.silencer.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { alertGroupReply } from '../../../src/core/domain/alert-group.reply.js';
import { coreHarness } from '../../support/core-harness.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { prismaUnit } from '../../support/prisma-unit.js';

const ALERTMANAGER = 'http://127.0.0.1:9093';
const SETUP = fileURLToPath(new URL('../../../scripts/ci/setup-alertmanager.sh', import.meta.url));
const DAVE = { user: '1004', chat: '-100500', chatType: 'group' as const }; // operator of shop

const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.string() }),
  matchers: z.array(z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().optional() })),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});

let db: TestDatabase;
let store: PrismaIncidentStore;
const created: string[] = [];

async function ready(): Promise<boolean> {
  try {
    return (await fetch(`${ALERTMANAGER}/-/ready`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  // .ci/run starts Alertmanager; the script is idempotent (same default receiver as the webhook test).
  if (!(await ready())) execFileSync(SETUP, [], { stdio: 'pipe', timeout: 110_000 });
  db = await createTestDatabase('incident-silence');
  store = new PrismaIncidentStore(db.prisma);
});
afterAll(async () => {
  for (const id of created) await fetch(`${ALERTMANAGER}/api/v2/silence/${id}`, { method: 'DELETE' }).catch(() => undefined);
  await db?.drop();
});

function harness() {
  const h = coreHarness({ incidentStore: store, unit: (notifier) => prismaUnit(db.prisma, notifier), silencer: createAlertmanagerSilencer({ url: ALERTMANAGER, timeoutMs: 5_000 }) });
  h.setNow(new Date().toISOString());
  return h;
}

describe('Silence button → real Alertmanager', () => {
  it('creates an active silence on the common labels and stores its id on the incident', async () => {
    const h = harness();
    const alertname = `DeckhandSilenceIT${randomBytes(4).toString('hex')}`;
    const labels = { alertname, project: 'shop', service: 'api', env: 'prod' };
    const now = new Date();
    const incident = await store.open({
      project: 'shop',
      groupKey: `{}:{alertname="${alertname}"}`,
      title: alertname,
      openedAt: now,
      alerts: ['a', 'b'].map((instance, i) => ({
        fingerprint: `f${i}`,
        name: alertname,
        status: 'firing' as const,
        summary: 'api 5xx',
        startsAt: now,
        endsAt: null,
        labels: { ...labels, instance },
      })),
      timeline: [{ at: now, kind: 'opened', text: 'Incident opened by Alertmanager', by: null }],
    });
    const message = alertGroupReply(incident, { nameOf: (id) => id, settings: h.config.incidents, catalog: h.config.catalog, now });

    const reply = await h.click(message, 'Silence 1h', DAVE);
    expect(reply.tone).toBe('success');
    const silenceId = /\(silence (\S+)\)\.$/.exec(reply.text)?.[1];
    expect(silenceId).toBeDefined();
    created.push(silenceId!);

    const stored = await store.get(incident.id);
    expect(stored).toMatchObject({ silenceId });
    expect(stored!.silencedUntil!.getTime() - now.getTime()).toBeGreaterThanOrEqual(3_600_000 - 1_000);
    expect(stored!.timeline.at(-1)).toMatchObject({ kind: 'silence', by: 'dave' });

    const res = await fetch(`${ALERTMANAGER}/api/v2/silences?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
    expect(res.status).toBe(200);
    const silences = z.array(silenceSchema).parse(await res.json());
    const silence = silences.find((s) => s.id === silenceId);
    expect(silence).toBeDefined();
    expect(silence!.status.state).toBe('active');
    expect(silence!.createdBy).toBe('Dave');
    expect(silence!.comment).toBe(`Deckhand incident ${incident.id}: ${alertname}`);
    const matchers = silence!.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true }));
    expect(matchers.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      Object.entries(labels)
        .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(new Date(silence!.endsAt).getTime()).toBe(stored!.silencedUntil!.getTime());

    // The living message now says so, without a Silence button.
    const living = h.actions.notifier.announcements.filter((a) => a.key === `incident:${incident.id}`);
    expect(living).toHaveLength(1);
    expect(living[0]!.reply.text).toContain(`(silence ${silenceId})`);
    expect(living[0]!.reply.blocks.some((b) => b.type === 'buttons' && b.buttons.some((x) => x.actionId === 'incident.silence'))).toBe(false);
  });

  it('expires a silence (the loser of two clicks) so Alertmanager no longer applies it', async () => {
    const silencer = createAlertmanagerSilencer({ url: ALERTMANAGER });
    const now = new Date();
    const alertname = `DeckhandExpire${Date.now()}`;
    const id = await silencer.create({
      matchers: [{ name: 'alertname', value: alertname, isRegex: false, isEqual: true }],
      startsAt: now,
      endsAt: new Date(now.getTime() + 3_600_000),
      createdBy: 'test',
      comment: 'expired by the test',
    });
    await silencer.expire(id);
    const res = await fetch(`${ALERTMANAGER}/api/v2/silence/${id}`);
    expect(z.object({ status: z.object({ state: z.string() }) }).parse(await res.json()).status.state).toBe('expired');
  });

  it('reports Alertmanager refusing an invalid silence in one short line', async () => {
    const silencer = createAlertmanagerSilencer({ url: ALERTMANAGER });
    const now = new Date();
    const err = await silencer
      .create({
        matchers: [{ name: 'alertname', value: 'DeckhandNever', isRegex: false, isEqual: true }],
        startsAt: now,
        endsAt: new Date(now.getTime() - 60_000),
        createdBy: 'test',
        comment: 'ends before it starts',
      })
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^Alertmanager refused the silence: HTTP 400 \(.+\)$/);
    expect((err as Error).message).not.toContain('\n');
  });
});
