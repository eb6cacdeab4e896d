import { readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreHarness } from '../../../support/core-harness.js';
import { SlackApiRecorder } from './slack-api.recorder.js';
import { pollUntil, serveSlack, type ServedSlack } from './served-slack.js';
import type { SignedSlackClient } from './slack-signed.client.js';

// The real core with the fixture FAQ behind Bolt's real HTTP receiver; Slack's servers are msw.
const SECRET = 'faq-signing-secret-0123456789abcd';
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/slack/${name}`, import.meta.url), 'utf8')) as T;
const slash = fixture<Record<string, string>>('slash-command.json');
const blockActions = fixture<Record<string, unknown>>('block-actions.json');
let clicks = 0;

const h = coreHarness({ faqFile: new URL('../../../fixtures/faq/faq.md', import.meta.url) });
const api = new SlackApiRecorder();
const msw = setupServer(...api.handlers());
let served: ServedSlack;
let client: SignedSlackClient;

/** Waits up to 10 s. */
const until = <T>(what: () => T | undefined) => pollUntil(what, 1000);

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  served = await serveSlack(h.core, SECRET);
  client = served.client;
});

afterAll(async () => {
  await served.close();
  msw.close();
});

type Blocks = { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[];

function clickBy(user: string, button: { action_id: string; value: string }) {
  const actions = [{ ...(blockActions.actions as object[])[0], action_id: button.action_id, value: button.value }];
  const container = { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0SHOP', is_ephemeral: false };
  return client.interaction({ ...blockActions, trigger_id: `${String(blockActions.trigger_id)}.faq${++clicks}`, user: { id: user, username: user, team_id: 'T0001' }, channel: { id: 'C0SHOP', name: 'shop' }, container, actions });
}

describe('slack: faq through signed requests', () => {
  it('posts the best answers with Yes/No buttons and counts a vote privately, once per person', async () => {
    const res = await client.command({ ...slash, user_id: 'U0BOB', channel_id: 'C0SHOP', channel_name: 'shop', text: 'faq who can approve a production deploy' });
    expect(res.status).toBe(200);
    const posted = await until(() => api.traffic().find((c) => c.url.endsWith('/chat.postMessage')));
    const blocks = JSON.parse(String(posted.body.blocks)) as Blocks;
    const buttons = blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements!);
    expect(posted.rejected).toBeUndefined();
    expect(buttons).toHaveLength(6);
    // Slack refuses a message that repeats an action_id, so the second and third entries' votes are numbered.
    expect(buttons.map((b) => [b.action_id, b.text.text])).toEqual([
      ['faq.yes', '1 👍 Yes'],
      ['faq.no', '1 👎 No'],
      ['faq.yes#2', '2 👍 Yes'],
      ['faq.no#2', '2 👎 No'],
      ['faq.yes#3', '3 👍 Yes'],
      ['faq.no#3', '3 👎 No'],
    ]);
    expect(buttons[0]!.value).toMatch(/^[A-Za-z0-9_-]{10}$/);
    expect(String(posted.body.text)).toContain('Why is my deploy waiting for approval?');

    api.reset();
    await clickBy('U0BOB', buttons[0]!);
    const thanks = await until(() => api.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/')));
    expect(thanks.body).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: 'Thanks, glad it helped. 1 of 1 found it helpful.' });

    api.reset();
    await clickBy('U0BOB', buttons[1]!);
    const changed = await until(() => api.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/')));
    expect(changed.body).toMatchObject({ response_type: 'ephemeral', text: 'Your vote is now "no". 0 of 1 found it helpful.' });
    expect(await h.faqVotes.tally([buttons[0]!.value])).toEqual(new Map([[buttons[0]!.value, { helpful: 0, notHelpful: 1 }]]));

    // A repeated button's numbered action_id is still the vote it was.
    api.reset();
    await clickBy('U0BOB', buttons[4]!);
    const third = await until(() => api.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/')));
    expect(third.body).toMatchObject({ response_type: 'ephemeral', text: 'Thanks, glad it helped. 1 of 1 found it helpful.' });
    expect(await h.faqVotes.tally([buttons[4]!.value])).toEqual(new Map([[buttons[4]!.value, { helpful: 1, notHelpful: 0 }]]));
  });

  it('lists the categories as buttons and replaces the message with a category\'s questions', async () => {
    api.reset();
    await client.command({ ...slash, trigger_id: 'faq.categories.1', user_id: 'U0ALICE', channel_id: 'C0SHOP', channel_name: 'shop', text: 'faq' });
    const posted = await until(() => api.traffic().find((c) => c.url.endsWith('/chat.postMessage')));
    const categories = (JSON.parse(String(posted.body.blocks)) as Blocks).filter((b) => b.type === 'actions').flatMap((b) => b.elements!);
    expect(posted.rejected).toBeUndefined();
    expect(categories.map((b) => [b.action_id, b.text.text])).toEqual([
      ['faq.cat', 'Deploys'],
      ['faq.cat#2', 'Access'],
      ['faq.cat#3', 'Logs'],
    ]);

    api.reset();
    await clickBy('U0ALICE', categories[2]!);
    const replaced = await until(() => api.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/')));
    expect(replaced.rejected).toBeUndefined();
    expect(replaced.body).toMatchObject({ replace_original: true });
    expect(String(replaced.body.text)).toContain('1. Where are the logs of a crashed container?');
    const questions = (replaced.body.blocks as Blocks).filter((b) => b.type === 'actions').flatMap((b) => b.elements!);
    expect(questions.map((b) => [b.action_id, b.text.text])).toEqual([
      ['faq.q', '1'],
      ['faq.q#2', '2'],
      ['faq.top', 'All categories'],
    ]);

    api.reset();
    await clickBy('U0ALICE', questions[1]!);
    const answer = await until(() => api.traffic().find((c) => c.url.endsWith('/chat.postMessage')));
    expect(answer.rejected).toBeUndefined();
    expect(String(answer.body.text)).toContain('How do I follow a request id across services?');
  });

  it('refuses a request signed with another secret', async () => {
    const res = await client.command({ ...slash, user_id: 'U0BOB', channel_id: 'C0SHOP', text: 'faq deploy' }, { secret: 'not-the-secret-0000000000000000' });
    expect(res.status).toBe(401);
  });
});
