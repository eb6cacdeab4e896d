/**
 * Alert buttons through the real core (memory ports, fixed clock): Acknowledge, Silence, Restart and
 * Roll back clicked on the alert message as published, from the shop group chat.
 */
import { describe, expect, it } from 'vitest';
import { alertGroupReply } from '../../../src/core/domain/alert-group.reply.js';
import type { Incident } from '../../../src/core/ports/incident.port.js';
import { RecordingSilencer } from '../../fakes/memory-silencer.js';
import { coreHarness, NOW } from '../../support/core-harness.js';

const T0 = new Date(NOW);
const SHOP_CHAT = { chat: '-100500', chatType: 'group' as const };
const ALICE = { user: '1001', ...SHOP_CHAT }; // admin of shop
const BOB = { user: '1002', ...SHOP_CHAT }; // viewer of shop, operator of billing
const CAROL = { user: '1003', ...SHOP_CHAT }; // operator of shop/staging
const DAVE = { user: '1004', ...SHOP_CHAT }; // operator of shop
const API_PROD = { alertname: 'HighErrorRate', project: 'shop', service: 'api', env: 'prod' };

function setup() {
  const h = coreHarness();
  /** The living alert messages published (RecordingNotifier keeps them among the announcements, with their key). */
  const published = () => h.actions.notifier.announcements.filter((a) => a.key !== undefined);
  const names: Record<string, string> = { alice: 'Alice', bob: 'Bob', carol: 'Carol', dave: 'Dave' };
  const message = (incident: Incident) =>
    alertGroupReply(incident, { nameOf: (id) => names[id] ?? id, settings: h.config.incidents, catalog: h.config.catalog, now: T0 });
  const open = (labels: Record<string, string> = API_PROD, project = 'shop') =>
    h.incidents.store.open({
      project,
      groupKey: `{}:{alertname="${labels['alertname']}"}`,
      title: labels['alertname'] ?? 'alert',
      openedAt: T0,
      alerts: [
        { fingerprint: 'f1', name: labels['alertname'] ?? 'alert', status: 'firing', summary: 'api 5xx', startsAt: T0, endsAt: null, labels: { ...labels, instance: 'a' } },
        { fingerprint: 'f2', name: labels['alertname'] ?? 'alert', status: 'firing', summary: 'api 5xx', startsAt: T0, endsAt: null, labels: { ...labels, instance: 'b' } },
      ],
      timeline: [{ at: T0, kind: 'opened', text: 'Incident opened by Alertmanager', by: null }],
    });
  const seedApi = () => {
    const d1 = h.runtimes.get('docker-1');
    d1.add({ name: 'api-1', id: 'api-1-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  };
  return { ...h, published, message, open, seedApi, stored: async (id: string) => (await h.incidents.store.get(id))! };
}

describe('Acknowledge', () => {
  it('records the first acknowledgement, republishes the alert message and answers; a second click says who was first', async () => {
    const h = setup();
    const incident = await h.open();
    const alert = h.message(incident);

    const first = await h.click(alert, 'Acknowledge', DAVE);
    expect(first.tone).toBe('success');
    expect(first.text).toBe('Acknowledged by Dave; escalation stopped.');
    expect(await h.stored(incident.id)).toMatchObject({ acknowledgedBy: 'dave', acknowledgedAt: T0 });
    expect(h.published()).toHaveLength(1);
    expect(h.published()[0]).toMatchObject({ project: 'shop', key: `incident:${incident.id}` });
    const republished = h.published()[0]!.reply;
    expect(republished.text).toContain('Acknowledged by Dave at Mon 23 Nov 12:00 UTC');
    expect(republished.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons.map((x) => x.label) : []))).toEqual(['Silence 1h', 'Restart api', 'Roll back api']);
    expect(h.audit.last()).toMatchObject({ intent: 'incident.ack', outcome: 'ok', personId: 'dave', args: `incident.ack ${incident.id}` });

    h.setNow('2026-11-23T12:01:00Z');
    const second = await h.click(alert, 'Acknowledge', ALICE);
    expect(second.tone).toBe('warning');
    expect(second.text).toBe('Already acknowledged by Dave at Mon 23 Nov 12:00 UTC.');
    expect(await h.stored(incident.id)).toMatchObject({ acknowledgedBy: 'dave', acknowledgedAt: T0 });
    expect(h.published()).toHaveLength(1);
    expect(h.audit.last()).toMatchObject({ intent: 'incident.ack', outcome: 'refused', detail: 'already acknowledged' });
  });

  it('records no acknowledgement when the alert message cannot be queued, and both on the next click', async () => {
    const h = setup();
    const incident = await h.open();
    h.actions.notifier.failNext = true;
    const reply = await h.click(h.message(incident), 'Acknowledge', DAVE);
    expect(reply.tone).toBe('error');
    expect(reply.text).toBe('Could not record the acknowledgement: the alert message could not be updated, so nothing was changed.\n\nTry again in a minute.');
    expect(await h.stored(incident.id)).toMatchObject({ acknowledgedBy: null, acknowledgedAt: null });
    expect(h.published()).toEqual([]);
    expect(h.audit.last()).toMatchObject({ intent: 'incident.ack', outcome: 'error', detail: 'acknowledgement not recorded' });

    expect((await h.click(h.message(incident), 'Acknowledge', DAVE)).text).toBe('Acknowledged by Dave; escalation stopped.');
    expect(await h.stored(incident.id)).toMatchObject({ acknowledgedBy: 'dave' });
    expect(h.published().map((p) => p.key)).toEqual([`incident:${incident.id}`]);
  });

  it('fails closed when the alerts name no environment of the catalog: an operator of one environment may not act', async () => {
    const h = setup();
    for (const env of [undefined, 'production']) {
      const labels: Record<string, string> = { alertname: `HighLatency${env ?? ''}`, project: 'shop', service: 'api', ...(env ? { env } : {}) };
      const incident = await h.open(labels);
      const alert = h.message(incident);
      expect((await h.click(alert, 'Acknowledge', CAROL)).text).toBe('You need the operator role on shop to acknowledge this incident.');
      expect((await h.click(alert, 'Silence 1h', CAROL)).text).toBe('You need the operator role on shop to silence this incident.');
      expect(await h.stored(incident.id)).toMatchObject({ acknowledgedBy: null, silenceId: null });
      expect((await h.click(alert, 'Acknowledge', DAVE)).text).toContain('Acknowledged by Dave');
    }
  });

  it('refuses viewers, operators of another environment, and people without a role, changing nothing', async () => {
    const h = setup();
    const incident = await h.open();
    const alert = h.message(incident);
    expect((await h.click(alert, 'Acknowledge', BOB)).text).toBe('You need the operator role on shop/prod to acknowledge this incident.');
    expect((await h.click(alert, 'Acknowledge', CAROL)).text).toBe('You need the operator role on shop/prod to acknowledge this incident.');
    expect(h.audit.last()).toMatchObject({ intent: 'incident.ack', outcome: 'refused', personId: 'carol' });

    const billing = await h.open({ alertname: 'QueueBacklog', project: 'billing', service: 'worker' }, 'billing');
    const billingAlert = h.message(billing);
    expect((await h.click(billingAlert, 'Acknowledge', ALICE)).text).toBe('You need the operator role on billing to acknowledge this incident.');
    expect(await h.stored(incident.id)).toMatchObject({ acknowledgedBy: null });
    expect(await h.stored(billing.id)).toMatchObject({ acknowledgedBy: null });
    expect(h.published()).toEqual([]);
  });

  it('refuses a chat not bound to the incident’s project and an unregistered chat', async () => {
    const h = setup();
    const billing = await h.open({ alertname: 'QueueBacklog', project: 'billing', service: 'worker' }, 'billing');
    const alert = h.message(billing);
    // Bob is an operator of billing, but this is the shop chat.
    const wrongChat = await h.click(alert, 'Acknowledge', BOB);
    expect(wrongChat.text).toContain('Project billing cannot be used from this chat.');
    expect(h.audit.last()).toMatchObject({ intent: 'incident.ack', outcome: 'refused', detail: 'project not in chat' });
    const stranger = await h.click(alert, 'Acknowledge', { user: '1002', chat: '-100999', chatType: 'group' });
    expect(stranger.text).toContain('This chat is not registered with Deckhand.');
    expect(await h.stored(billing.id)).toMatchObject({ acknowledgedBy: null });
    // From a private chat Bob may act on billing.
    expect((await h.click(alert, 'Acknowledge', { user: '1002' })).text).toBe('Acknowledged by Bob; escalation stopped.');
  });

  it('answers briefly for a resolved or unknown incident', async () => {
    const h = setup();
    const incident = await h.open();
    const alert = h.message(incident);
    await h.incidents.store.resolve(incident.id, T0, incident.alerts, []);
    expect((await h.click(alert, 'Acknowledge', DAVE)).text).toBe(`Incident ${incident.id} is resolved; nothing to do.`);
    expect((await h.click(alert, 'Restart api', DAVE)).text).toBe(`Incident ${incident.id} is resolved; nothing to do.`);
    const gone = { ...alert, blocks: alert.blocks.map((b) => (b.type === 'buttons' ? { ...b, buttons: b.buttons.map((x) => ({ ...x, pendingId: 'nope42' })) } : b)) };
    expect((await h.click(gone, 'Acknowledge', DAVE)).text).toContain('This incident no longer exists.');
    expect(h.audit.last()).toMatchObject({ intent: 'incident.ack', outcome: 'not_found' });
    expect(h.published()).toEqual([]);
  });
});

describe('Silence', () => {
  it('says that alertmanager.url is not configured when there is no silencer', async () => {
    const h = setup();
    const incident = await h.open();
    const reply = await h.click(h.message(incident), 'Silence 1h', DAVE);
    expect(reply.tone).toBe('error');
    expect(reply.text).toContain('Cannot silence: alertmanager.url is not configured.');
    expect(await h.stored(incident.id)).toMatchObject({ silenceId: null });
    expect(h.audit.last()).toMatchObject({ intent: 'incident.silence', outcome: 'invalid' });
  });

  it('takes its silence back when another click silenced the incident first, and says so', async () => {
    const h = setup();
    const silencer = new RecordingSilencer();
    h.incidents.silencer = silencer;
    const incident = await h.open();
    // The other click's silence lands between this click's check and its record.
    const setSilence = h.incidents.store.setSilence.bind(h.incidents.store);
    h.incidents.store.setSilence = async (id, silenceId, until, entry) => {
      await setSilence(id, 'sil-other', until, { ...entry, text: 'Silenced by the other click' });
      return setSilence(id, silenceId, until, entry);
    };
    const reply = await h.click(h.message(incident), 'Silence 1h', DAVE);
    expect(reply.text).toBe('Already silenced until Mon 23 Nov 13:00 UTC (silence sil-other).');
    expect(silencer.expired).toEqual(['sil-1']);
    expect(await h.stored(incident.id)).toMatchObject({ silenceId: 'sil-other' });
  });

  it('records no silence and takes it back from Alertmanager when the alert message cannot be queued', async () => {
    const h = setup();
    const silencer = new RecordingSilencer();
    h.incidents.silencer = silencer;
    const incident = await h.open();
    h.actions.notifier.failNext = true;
    const reply = await h.click(h.message(incident), 'Silence 1h', DAVE);
    expect(reply.text).toBe('Could not record the silence: the alert message could not be updated, so nothing was changed.\n\nTry again in a minute.');
    expect(silencer.expired).toEqual(['sil-1']);
    const stored = await h.stored(incident.id);
    expect(stored).toMatchObject({ silenceId: null, silencedUntil: null });
    expect(stored.timeline.map((e) => e.kind)).toEqual(['opened']);
    expect(h.published()).toEqual([]);

    expect((await h.click(h.message(incident), 'Silence 1h', DAVE)).text).toBe('Silenced until Mon 23 Nov 13:00 UTC by Dave (silence sil-2).');
    expect(await h.stored(incident.id)).toMatchObject({ silenceId: 'sil-2' });
    expect(h.published()).toHaveLength(1);
  });

  it('refuses to silence alerts of different names, whose common labels would mute the whole project', async () => {
    const h = setup();
    const silencer = new RecordingSilencer();
    h.incidents.silencer = silencer;
    const incident = await h.open();
    const mixed = { ...incident, alerts: incident.alerts.map((a, i) => ({ ...a, labels: { ...a.labels, alertname: `Alert${i}` } })) };
    await h.incidents.store.update(incident.id, mixed.alerts, []);
    const reply = await h.click(h.message(mixed), 'Silence 1h', DAVE);
    expect(reply.text).toContain('Cannot silence from here: the alerts of this incident have different names');
    expect(silencer.created).toEqual([]);
    expect(await h.stored(incident.id)).toMatchObject({ silenceId: null });
  });

  it('creates a silence on the common labels, records it and republishes; a second click says it is silenced', async () => {
    const h = setup();
    const silencer = new RecordingSilencer();
    h.incidents.silencer = silencer;
    const incident = await h.open();
    const alert = h.message(incident);

    const reply = await h.click(alert, 'Silence 1h', DAVE);
    expect(reply.text).toBe('Silenced until Mon 23 Nov 13:00 UTC by Dave (silence sil-1).');
    expect(silencer.created).toEqual([
      {
        matchers: [
          { name: 'alertname', value: 'HighErrorRate', isRegex: false, isEqual: true },
          { name: 'project', value: 'shop', isRegex: false, isEqual: true },
          { name: 'service', value: 'api', isRegex: false, isEqual: true },
          { name: 'env', value: 'prod', isRegex: false, isEqual: true },
        ],
        startsAt: T0,
        endsAt: new Date('2026-11-23T13:00:00Z'),
        createdBy: 'Dave',
        comment: `Deckhand incident ${incident.id}: HighErrorRate`,
      },
    ]);
    const stored = await h.stored(incident.id);
    expect(stored).toMatchObject({ silenceId: 'sil-1', silencedUntil: new Date('2026-11-23T13:00:00Z') });
    expect(stored.timeline.at(-1)).toEqual({ at: T0, kind: 'silence', text: 'Silenced until Mon 23 Nov 13:00 UTC (silence sil-1)', by: 'dave' });
    expect(h.published()).toHaveLength(1);
    expect(h.published()[0]!.reply.text).toContain('Silenced until Mon 23 Nov 13:00 UTC (silence sil-1)');
    expect(h.published()[0]!.reply.text).not.toContain('[2] Silence');
    expect(h.audit.last()).toMatchObject({ intent: 'incident.silence', outcome: 'ok', detail: 'silence sil-1' });

    const again = await h.click(alert, 'Silence 1h', ALICE);
    expect(again.text).toBe('Already silenced until Mon 23 Nov 13:00 UTC (silence sil-1).');
    expect(silencer.created).toHaveLength(1);
  });

  it('answers shortly and records nothing when Alertmanager refuses', async () => {
    const h = setup();
    const silencer = new RecordingSilencer();
    silencer.failWith = 'Alertmanager refused the silence: HTTP 400 (bad matcher)';
    h.incidents.silencer = silencer;
    const incident = await h.open();
    const reply = await h.click(h.message(incident), 'Silence 1h', DAVE);
    expect(reply.tone).toBe('error');
    expect(reply.text).toContain('Could not create the silence: Alertmanager refused the silence: HTTP 400 (bad matcher).');
    const stored = await h.stored(incident.id);
    expect(stored).toMatchObject({ silenceId: null, silencedUntil: null });
    expect(stored.timeline.map((e) => e.kind)).toEqual(['opened']);
    expect(h.published()).toEqual([]);
  });

  it('refuses viewers before anything reaches Alertmanager', async () => {
    const h = setup();
    const silencer = new RecordingSilencer();
    h.incidents.silencer = silencer;
    const incident = await h.open();
    expect((await h.click(h.message(incident), 'Silence 1h', BOB)).text).toBe('You need the operator role on shop/prod to silence this incident.');
    expect(silencer.created).toEqual([]);
  });
});

describe('Restart and Roll back', () => {
  it('answers with the usual confirm prompt; approving it enqueues the restart', async () => {
    const h = setup();
    h.seedApi();
    const incident = await h.open();
    const prompt = await h.click(h.message(incident), 'Restart api', DAVE);
    expect(prompt.text).toContain('Restart shop/prod: api');
    expect(prompt.text).toContain('Requested by: Dave');
    expect(h.audit.last()).toMatchObject({ intent: 'restart', outcome: 'ok', args: `restart shop/api prod (alert button, incident ${incident.id})`, personId: 'dave' });
    expect(h.actions.queue.enqueued).toEqual([]);
    expect((await h.stored(incident.id)).timeline.at(-1)).toEqual({ at: T0, kind: 'action', text: 'Restart of api requested from the alert by Dave', by: 'dave' });
    expect(h.published()).toEqual([]);

    const approved = await h.click(prompt, 'Approve', ALICE);
    expect(approved.text).toBe('Approved by Alice (requested by Dave); running now. Progress follows here.');
    expect(h.actions.queue.enqueued).toHaveLength(1);
    const action = await h.actions.pending.get(h.actions.queue.enqueued[0]!);
    expect(action?.plan).toMatchObject({ kind: 'restart', project: 'shop', env: 'prod', services: [{ service: 'api' }] });
  });

  it('keeps the permissions of the typed command and records nothing when it is refused', async () => {
    const h = setup();
    h.seedApi();
    const incident = await h.open();
    const alert = h.message(incident);
    expect((await h.click(alert, 'Restart api', BOB)).text).toContain('You need the operator role on shop/prod to run restart.');
    expect(h.audit.last()).toMatchObject({ intent: 'restart', outcome: 'refused', personId: 'bob' });
    const rollback = await h.click(alert, 'Roll back api', DAVE);
    expect(rollback.text).toContain('No earlier successful deploy of api in prod is recorded');
    expect(h.audit.last()).toMatchObject({ intent: 'rollback', args: `rollback shop/api prod (alert button, incident ${incident.id})` });
    expect((await h.stored(incident.id)).timeline.map((e) => e.kind)).toEqual(['opened']);
    expect(h.actions.pending.rows.size).toBe(0);
  });
});
