import { beforeEach, describe, expect, it } from 'vitest';
import type { IncidentStore } from '../../../src/core/ports/incident.port.js';
import { coreHarness } from '../../support/core-harness.js';

const NOW = new Date('2026-11-23T12:30:00Z');
const T0 = new Date('2026-11-23T12:00:00Z');

function setup() {
  const h = coreHarness();
  const incidents = h.incidents.store;
  h.setNow(NOW.toISOString());
  const say = (text: string, user = '1001', chat = '-100500') => h.say(text, { user, chat, chatType: 'group' });
  return { incidents, say };
}

const openShop = (incidents: IncidentStore, project = 'shop') =>
  incidents.open({
    project,
    groupKey: `{}:{alertname="HighErrorRate", project="${project}"}`,
    title: 'HighErrorRate',
    openedAt: T0,
    alerts: [{ fingerprint: 'f1', name: 'HighErrorRate', status: 'firing', summary: 'api 5xx', startsAt: T0, endsAt: null, labels: {} }],
    timeline: [
      { at: T0, kind: 'opened', text: 'Incident opened by Alertmanager', by: null },
      { at: T0, kind: 'firing', text: 'HighErrorRate firing: api 5xx', by: null },
    ],
  });

describe('incident intent', () => {
  let h: ReturnType<typeof setup>;
  beforeEach(() => {
    h = setup();
  });

  it('shows the newest open incident of the chat, or the one named, with its timeline', async () => {
    const inc = await openShop(h.incidents);
    for (const text of ['incident', `incident ${inc.id}`]) {
      const reply = await h.say(text, '1002');
      expect(reply.text).toContain(`Incident ${inc.id}: HighErrorRate`);
      expect(reply.text).toContain('Open for: 30m');
      expect(reply.text).toContain('HighErrorRate firing: api 5xx');
    }
  });

  it('says when there is nothing to show, and hides incidents of other projects', async () => {
    expect((await h.say('incident', '1002')).text).toBe('No open incidents.');
    const billing = await openShop(h.incidents, 'billing');
    expect((await h.say(`incident ${billing.id}`, '1001')).text).toContain(`No incident "${billing.id}" here.`);
  });

  it('lets an operator add a note to the open incident; viewers are refused', async () => {
    const inc = await openShop(h.incidents);
    const ok = await h.say('incident note rolled back api to 1.4.1', '1004');
    expect(ok.tone).toBe('success');
    expect(ok.text).toBe(`Note added to incident ${inc.id} (HighErrorRate).`);
    const note = (await h.incidents.get(inc.id))!.timeline.at(-1);
    expect(note).toEqual({ at: NOW, kind: 'note', text: 'rolled back api to 1.4.1', by: 'dave' });
    const refused = await h.say('incident note me too', '1002');
    expect(refused.tone).toBe('error');
    expect((await h.incidents.get(inc.id))!.timeline).toHaveLength(3);
    expect((await h.say(`incident ${inc.id}`, '1002')).text).toContain('rolled back api to 1.4.1 (Dave)');
  });

  it('validates the arguments', async () => {
    expect((await h.say('incident note', '1004')).text).toContain('write the note');
    expect((await h.say('incident note x', '1004')).text).toBe('No open incident in shop.');
    expect((await h.say('incident a b', '1002')).tone).toBe('error');
  });
});
