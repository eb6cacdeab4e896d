/**
 * Alert buttons through Bolt's real receiver and the real core (Slack's servers are msw): the alert message
 * (the incident's living message) is never replaced by a click's answer; a Restart's confirm prompt is a new
 * chat.postMessage whose ts is remembered for progress.
 */
import { readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../../../src/core/ports/incident.port.js';
import { coreHarness, NOW } from '../../../support/core-harness.js';
import { SlackApiRecorder } from './slack-api.recorder.js';
import { pollUntil as until, serveSlack, type ServedSlack } from './served-slack.js';
import type { SignedSlackClient } from './slack-signed.client.js';

const SECRET = 'alert-buttons-signing-secret-0123';
const blockActions = JSON.parse(readFileSync(new URL('../../../fixtures/slack/block-actions.json', import.meta.url), 'utf8')) as Record<string, unknown>;
/** Every click has its own trigger_id (a repeated one would be dropped as a replay). */
let clicks = 0;
/** Where the notifier posted the alert message (the recorder answers every chat.postMessage with …000100). */
const ALERT_TS = '1700000000.000077';

const h = coreHarness();
const api = new SlackApiRecorder();
const msw = setupServer(...api.handlers());
let served: ServedSlack;
let client: SignedSlackClient;
let incident: Incident;

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  served = await serveSlack(h.core, SECRET);
  client = served.client;
  h.runtimes.get('docker-1').add({ name: 'api-1', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  const at = new Date(NOW);
  const labels = { alertname: 'HighErrorRate', project: 'shop', service: 'api', env: 'prod' };
  incident = await h.incidents.store.open({
    project: 'shop',
    groupKey: 'g',
    title: 'HighErrorRate',
    openedAt: at,
    alerts: [{ fingerprint: 'f1', name: 'HighErrorRate', status: 'firing', summary: '', startsAt: at, endsAt: null, labels }],
    timeline: [],
  });
});

afterAll(async () => {
  await served.close();
  msw.close();
});

function clickBy(user: string, actionId: string, ts = ALERT_TS) {
  const actions = [{ ...(blockActions.actions as object[])[0], action_id: actionId, value: incident.id }];
  const container = { type: 'message', message_ts: ts, channel_id: 'C0SHOP', is_ephemeral: false };
  return client.interaction({ ...blockActions, trigger_id: `${String(blockActions.trigger_id)}.${++clicks}`, user: { id: user, username: user, team_id: 'T0001' }, channel: { id: 'C0SHOP', name: 'shop' }, container, actions });
}

const replacedOrUpdated = () => api.traffic().filter((c) => c.body.replace_original === true || c.url.endsWith('/chat.update'));

describe('slack: alert buttons', () => {
  it('posts the Restart confirm prompt as a new message and never replaces the alert', async () => {
    api.reset();
    await clickBy('U0DAVE', 'incident.restart');
    const posted = await until(() => api.traffic().find((c) => c.url.endsWith('/chat.postMessage')));
    expect(posted.body.channel).toBe('C0SHOP');
    const blocks = JSON.parse(String(posted.body.blocks)) as { type: string; elements?: { action_id: string; value: string }[] }[];
    const buttons = blocks.find((b) => b.type === 'actions')!.elements!;
    expect(buttons.map((b) => b.action_id)).toEqual(['act.confirm', 'act.cancel']);
    const pendingId = buttons[0]!.value;
    await until(() => h.actions.pending.rows.get(pendingId)?.message ?? undefined);
    expect((await h.actions.pending.get(pendingId))?.message).toEqual({ platform: 'slack', chatId: 'C0SHOP', messageId: '1700000000.000100' });
    expect(replacedOrUpdated()).toEqual([]);
  });

  it('answers Acknowledge in the channel without replacing the alert, and a refusal privately', async () => {
    api.reset();
    await clickBy('U0BOB', 'incident.ack');
    const whisper = await until(() => api.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/')));
    expect(whisper.body).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: 'You need the operator role on shop/prod to acknowledge this incident.' });

    api.reset();
    await clickBy('U0DAVE', 'incident.ack');
    const answer = await until(() => api.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/')));
    expect(answer.body).toMatchObject({ response_type: 'in_channel', replace_original: false, text: 'Acknowledged by Dave; escalation stopped.' });
    expect(replacedOrUpdated()).toEqual([]);
    expect(h.actions.notifier.published(`incident:${incident.id}`)).toHaveLength(1);
  });
});
