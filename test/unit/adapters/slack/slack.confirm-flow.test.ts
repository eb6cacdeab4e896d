import { readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreHarness } from '../../../support/core-harness.js';
import { SlackApiRecorder } from './slack-api.recorder.js';
import { pollUntil as until, serveSlack, type ServedSlack } from './served-slack.js';
import type { SignedSlackClient } from './slack-signed.client.js';

// The real core (in-memory stores) behind Bolt's real HTTP receiver; Slack's servers are msw.
const SECRET = 'confirm-flow-signing-secret-0123';
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/slack/${name}`, import.meta.url), 'utf8')) as T;
const slash = fixture<Record<string, string>>('slash-command.json');
const blockActions = fixture<Record<string, unknown>>('block-actions.json');
/** Every click has its own trigger_id (a repeated one would be dropped as a replay). */
let clicks = 0;

const h = coreHarness();
const api = new SlackApiRecorder();
const msw = setupServer(...api.handlers());
let served: ServedSlack;
let client: SignedSlackClient;

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  served = await serveSlack(h.core, SECRET);
  client = served.client;
});

afterAll(async () => {
  await served.close();
  msw.close();
});

function clickBy(user: string, button: { action_id: string; value: string }) {
  const actions = [{ ...(blockActions.actions as object[])[0], ...button }];
  const container = { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0SHOP', is_ephemeral: false };
  return client.interaction({ ...blockActions, trigger_id: `${String(blockActions.trigger_id)}.${++clicks}`, user: { id: user, username: user, team_id: 'T0001' }, channel: { id: 'C0SHOP', name: 'shop' }, container, actions });
}

describe('slack: the deploy confirm flow through the real core', () => {
  it('posts the plan with buttons, answers a self-approval privately, and replaces the message on approval', async () => {
    h.runtimes.get('docker-1').add({ name: 'api-1', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });

    // Given Alice asks in #shop for a production deploy
    const res = await client.command({ ...slash, user_id: 'U0ALICE', channel_id: 'C0SHOP', channel_name: 'shop', text: 'deploy api prod 1.5.0' });
    expect(res.status).toBe(200);
    const posted = await until(() => api.traffic().find((c) => c.url.endsWith('/chat.postMessage')));
    const blocks = JSON.parse(String(posted.body.blocks)) as { type: string; elements?: { action_id: string; value: string }[] }[];
    const buttons = blocks.find((b) => b.type === 'actions')!.elements!;
    expect(buttons.map((b) => b.action_id)).toEqual(['act.confirm', 'act.cancel']);
    const pendingId = buttons[0]!.value;
    await until(() => h.actions.pending.rows.get(pendingId)?.message ?? undefined);
    expect((await h.actions.pending.get(pendingId))?.message).toEqual({ platform: 'slack', chatId: 'C0SHOP', messageId: '1700000000.000100' });

    // When Alice approves her own request: only she is told, the message is not replaced
    api.reset();
    await clickBy('U0ALICE', buttons[0]!);
    const whisper = await until(() => api.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/')));
    expect(whisper.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(whisper.body.text)).toContain('You cannot approve your own request');
    expect(h.actions.queue.enqueued).toEqual([]);

    // Then Dave approves: the message is replaced with the approval and the job is enqueued once
    api.reset();
    await clickBy('U0DAVE', buttons[0]!);
    const replaced = await until(() => api.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/')));
    expect(replaced.body).toMatchObject({ replace_original: true, text: 'Approved by Dave (requested by Alice); running now. Progress follows here.' });
    expect(h.actions.queue.enqueued).toEqual([pendingId]);

    // And a double click is answered privately, leaving the progress message alone
    api.reset();
    await clickBy('U0DAVE', buttons[0]!);
    const again = await until(() => api.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/')));
    expect(again.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(again.body.text)).toMatch(/^Already approved by Dave/);
    expect(h.actions.queue.enqueued).toEqual([pendingId]);
  });
});
