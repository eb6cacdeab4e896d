/**
 * Alerts that resolve while silenced, against a real private Alertmanager (test/support/e2e-alertmanager.ts):
 * Alertmanager sends no resolved notification for them, so the reader must stop listing them while it
 * still lists the firing ones, and a reconciler tick must resolve the incident in PostgreSQL, once.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAlertmanagerAlertSource } from '../../../src/adapters/http/alertmanager.alerts.js';
import { createAlertmanagerSilencer } from '../../../src/adapters/http/alertmanager.silencer.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { systemClock } from '../../../src/core/ports/clock.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { incidentReconciler } from '../../../src/jobs/incident-reconciler.js';
import { RecordingNotifier } from '../../fakes/memory-stores.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { startPrivateAlertmanager, type PrivateAlertmanager } from '../../support/e2e-alertmanager.js';
import { prismaUnit } from '../../support/prisma-unit.js';

let alertmanager: PrivateAlertmanager;
let receiver: Server;
let db: TestDatabase;
let store: PrismaIncidentStore;

beforeAll(async () => {
  // Alertmanager needs a receiver; the notifications themselves are not what this file checks.
  receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  alertmanager = await startPrivateAlertmanager(`http://127.0.0.1:${port}/webhooks/alertmanager`, 'deckhand-reconcile-it-token');
  db = await createTestDatabase('incident-reconcile');
  store = new PrismaIncidentStore(db.prisma);
});
afterAll(async () => {
  await alertmanager?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await db?.drop();
});

const listedSchema = z.array(z.object({ fingerprint: z.string(), labels: z.record(z.string(), z.string()), status: z.object({ state: z.string(), silencedBy: z.array(z.string()) }) }));

/** Alertmanager's own list (every state) of the alerts named `alertname`, straight from the API. */
async function listed(alertname: string): Promise<z.infer<typeof listedSchema>> {
  const res = await fetch(`${alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
  expect(res.status).toBe(200);
  return listedSchema.parse(await res.json());
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Two firing alerts (services api and web) of a fresh alert name, silenced through the real silencer.
 * Returns their labels, fingerprints and the silence id once Alertmanager lists both as silenced.
 */
async function silencedPair() {
  const alertname = `DeckhandReconcileIT${randomBytes(4).toString('hex')}`;
  // A value with a quote and a backslash: the reader's filter must escape it for Alertmanager's parser.
  const common = { alertname, project: 'shop', team: 'say "hi" \\ there' };
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const labels = { api: { ...common, service: 'api' }, web: { ...common, service: 'web' } };
  await alertmanager.postAlerts([
    { labels: labels.api, annotations: { summary: 'api 5xx' }, startsAt },
    { labels: labels.web, annotations: { summary: 'web 5xx' }, startsAt },
  ]);
  const now = new Date();
  const silenceId = await createAlertmanagerSilencer({ url: alertmanager.url }).create({
    matchers: Object.entries(common).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
    startsAt: now,
    endsAt: new Date(now.getTime() + 3_600_000),
    createdBy: 'Dave',
    comment: 'reconcile integration test',
  });
  const alerts = await waitFor('both alerts silenced', async () => {
    const list = await listed(alertname);
    return list.length === 2 && list.every((a) => a.status.silencedBy.includes(silenceId)) ? list : undefined;
  });
  const fingerprint = (service: string) => alerts.find((a) => a.labels['service'] === service)!.fingerprint;
  return { alertname, common, labels, startsAt, silenceId, fp: { api: fingerprint('api'), web: fingerprint('web') } };
}

/** Posts the alert again with endsAt in the past: resolved, while its silence mutes the notification. */
const resolve = (labels: Record<string, string>, startsAt: string) =>
  alertmanager.postAlerts([{ labels, startsAt, endsAt: new Date(Date.now() - 1_000).toISOString() }]);

describe('alerts resolved while silenced → real Alertmanager', () => {
  it('the reader stops listing an alert that resolved while silenced and keeps the firing one', async () => {
    const reader = createAlertmanagerAlertSource({ url: alertmanager.url, timeoutMs: 5_000 });
    const pair = await silencedPair();
    const matchers = Object.entries(pair.common).map(([name, value]) => ({ name, value }));
    expect(await reader.activeFingerprints(matchers)).toEqual(new Set([pair.fp.api, pair.fp.web]));

    await resolve(pair.labels.api, pair.startsAt);
    expect(await reader.activeFingerprints(matchers)).toEqual(new Set([pair.fp.web]));
    // The filter narrows: another alert name lists nothing of ours.
    expect(await reader.activeFingerprints([{ name: 'alertname', value: `${pair.alertname}-other` }])).toEqual(new Set());

    const started = await reader.startedAt();
    expect(started.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(Date.now() - started.getTime()).toBeLessThan(10 * 60_000);
  });

  it('a reconciler tick over PostgreSQL resolves the alerts and then the incident, posting once', async () => {
    const pair = await silencedPair();
    const openedAt = new Date(pair.startsAt);
    const incident = await store.open({
      project: 'shop',
      groupKey: `{}:{alertname="${pair.alertname}", project="shop"}`,
      title: pair.alertname,
      openedAt,
      alerts: (['api', 'web'] as const).map((service) => ({
        fingerprint: pair.fp[service],
        name: pair.alertname,
        status: 'firing' as const,
        summary: `${service} 5xx`,
        startsAt: openedAt,
        endsAt: null,
        labels: pair.labels[service],
      })),
      timeline: [{ at: openedAt, kind: 'opened', text: 'Incident opened by Alertmanager', by: null }],
    });
    await store.setSilence(incident.id, pair.silenceId, new Date(Date.now() + 3_600_000), { at: new Date(), kind: 'silence', text: 'Silenced for 1h', by: 'dave' });

    const notifier = new RecordingNotifier();
    const deps = {
      incidents: store,
      unit: prismaUnit(db.prisma, notifier),
      alerts: createAlertmanagerAlertSource({ url: alertmanager.url }),
      notifier,
      clock: systemClock,
      logger: silentLogger,
      nameOf: (id: string) => id,
      catalog: { projects: [] },
      settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 },
      // The private Alertmanager has just started: its alerts are the ones this test posted.
      restartGraceMs: 0,
    };
    const [one, two] = [incidentReconciler(deps), incidentReconciler(deps)];

    expect((await one.tick()).updated).not.toContain(incident.id);
    await resolve(pair.labels.api, pair.startsAt);
    const partial = await Promise.all([one.tick(), two.tick()]);
    expect(partial.flatMap((r) => r.updated).filter((id) => id === incident.id)).toHaveLength(1);
    const half = await store.get(incident.id);
    expect(half!.status).toBe('open');
    expect(half!.alerts.map((a) => [a.fingerprint, a.status])).toEqual([
      [pair.fp.api, 'resolved'],
      [pair.fp.web, 'firing'],
    ]);

    await resolve(pair.labels.web, pair.startsAt);
    const final = await Promise.all([one.tick(), two.tick()]);
    expect(final.flatMap((r) => r.resolved).filter((id) => id === incident.id)).toHaveLength(1);
    const done = await store.get(incident.id);
    expect(done!.status).toBe('resolved');
    expect(done!.timeline.map((e) => e.kind)).toEqual(['opened', 'silence', 'resolved', 'resolved', 'closed']);
    expect(done!.timeline.filter((e) => e.kind === 'resolved').map((e) => e.text)).toEqual([
      `${pair.alertname} resolved (while silenced)`,
      `${pair.alertname} resolved (while silenced)`,
    ]);
    expect(notifier.published(`incident:${incident.id}`).map((t) => t.split(' ')[0])).toEqual(['FIRING', 'RESOLVED:']);
    expect(notifier.announcements.filter((a) => a.reply.text.startsWith(`Postmortem draft: incident ${incident.id}`))).toHaveLength(1);
  });
});
