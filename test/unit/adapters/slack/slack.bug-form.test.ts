import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubIssues } from '../../../../src/adapters/github/github-issues.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { DEFAULT_DIALOG_TTL_MS } from '../../../../src/core/support/bug-services.js';
import { MemoryBugDialogStore, MemoryBugReportStore } from '../../../fakes/memory-bugs.js';
import { coreHarness } from '../../../support/core-harness.js';
import { SlackApiRecorder } from './slack-api.recorder.js';
import { pollUntil, serveSlack, type ServedSlack } from './served-slack.js';
import type { SignedSlackClient } from './slack-signed.client.js';

// The real core behind Bolt's real HTTP receiver; Slack's and GitHub's servers are msw.
const SECRET = 'bug-form-signing-secret-0123456';
const slash = JSON.parse(readFileSync(new URL('../../../fixtures/slack/slash-command.json', import.meta.url), 'utf8')) as Record<string, string>;

const reports = new MemoryBugReportStore();
const dialogs = new MemoryBugDialogStore();
const h = coreHarness({
  bugs: { dialogs, reports, tracker: new GitHubIssues({ token: 'ghp_slackformtest00000000000', logger: silentLogger }), repoOf: (p) => (p === 'shop' ? 'acme/shop' : undefined), dialogTtlMs: DEFAULT_DIALOG_TTL_MS },
});
const api = new SlackApiRecorder();
const created: Record<string, unknown>[] = [];
const msw = setupServer(
  ...api.handlers(),
  http.post('https://api.github.com/repos/acme/shop/issues', async ({ request }) => {
    created.push((await request.json()) as Record<string, unknown>);
    return HttpResponse.json({ id: 9, number: 88, state: 'open', title: 'x', html_url: 'https://github.com/acme/shop/issues/88', labels: [] }, { status: 201 });
  }),
);
let served: ServedSlack;
let client: SignedSlackClient;
let triggers = 0;

/** Waits up to 3 s. */
const until = <T>(what: () => T | undefined) => pollUntil(what, 300);

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  served = await serveSlack(h.core, SECRET);
  client = served.client;
});

afterAll(async () => {
  await served.close();
  msw.close();
});

/** A view_submission as Slack posts it (the fields Bolt and Deckhand read, plus some they do not). */
function submission(view: { callback_id: string; private_metadata: string }, values: Record<string, Record<string, unknown>>) {
  return {
    type: 'view_submission',
    team: { id: 'T0001', domain: 'example' },
    user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0001' },
    api_app_id: 'A123456',
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    trigger_id: `1337.42.submit${++triggers}`,
    view: { id: 'V0FORM1', team_id: 'T0001', type: 'modal', ...view, state: { values }, hash: '1700000000.abc', app_id: 'A123456', bot_id: 'BBOT123' },
    response_urls: [],
    is_enterprise_install: false,
  };
}

describe('slack: the bug report as a modal', () => {
  it('opens the modal with the command trigger_id and files the submitted form as a GitHub issue', async () => {
    // Given Alice types /deckhand bug in #shop
    const res = await client.command({ ...slash, user_id: 'U0ALICE', channel_id: 'C0SHOP', channel_name: 'shop', text: 'bug', trigger_id: '1337.42.open' });
    expect(res.status).toBe(200);
    // Then views.open is called with that trigger and a modal with the five fields
    const opened = await until(() => api.traffic().find((c) => c.url.endsWith('/views.open')));
    expect(opened.body.trigger_id).toBe('1337.42.open');
    const view = JSON.parse(String(opened.body.view)) as { type: string; callback_id: string; private_metadata: string; title: { text: string }; blocks: { block_id: string; element: { type: string; options?: { value: string }[] } }[] };
    expect(view).toMatchObject({ type: 'modal', callback_id: 'bug.submit', title: { text: 'Bug in shop' } });
    expect(view.blocks.map((b) => [b.block_id, b.element.type])).toEqual([
      ['doing', 'plain_text_input'],
      ['expected', 'plain_text_input'],
      ['happened', 'plain_text_input'],
      ['priority', 'static_select'],
      ['screenshot', 'file_input'],
    ]);
    expect(view.blocks[3]!.element.options!.map((o) => o.value)).toEqual(['critical', 'high', 'medium', 'low']);
    expect(api.traffic().filter((c) => c.url.startsWith('https://hooks.slack.com/'))).toEqual([]);

    // When she submits it with a screenshot
    api.reset();
    const values = {
      doing: { value: { type: 'plain_text_input', value: 'Paying with a saved card' } },
      expected: { value: { type: 'plain_text_input', value: 'A receipt' } },
      happened: { value: { type: 'plain_text_input', value: 'Checkout says 500' } },
      priority: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'critical' }, value: 'critical' } } },
      screenshot: { value: { type: 'file_input', files: [{ id: 'F0SHOT1', name: 'shot.png', permalink: 'https://example.slack.com/files/U0ALICE/F0SHOT1/shot.png' }] } },
    };
    const submitted = await client.interaction(submission(view, values));
    expect(submitted.status).toBe(200);

    // Then the issue is created with the labels and the reply names it in the channel
    const thanks = await until(() => api.traffic().find((c) => c.url.endsWith('/chat.postMessage')));
    expect(thanks.body.channel).toBe('C0SHOP');
    expect(String(thanks.body.text)).toContain('Filed as acme/shop#88');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ title: 'Checkout says 500', labels: ['bug', 'critical'] });
    expect(String(created[0]!.body)).toContain('https://example.slack.com/files/U0ALICE/F0SHOT1/shot.png');
    expect(reports.rows[0]).toMatchObject({ reporterId: 'alice', platform: 'slack', chatId: 'C0SHOP', priority: 'critical', issue: { number: 88 }, screenshot: { platform: 'slack', ref: 'F0SHOT1' } });

    // And the same form sent again (a second click) files nothing more
    api.reset();
    await client.interaction(submission(view, values));
    const again = await until(() => api.traffic().find((c) => c.url.endsWith('/chat.postEphemeral') || c.url.endsWith('/chat.postMessage')));
    expect(String(again.body.text)).toContain('This bug report is no longer open.');
    expect(created).toHaveLength(1);
  });

  it('refuses a bad signature with 401 and opens nothing', async () => {
    api.reset();
    const res = await client.interaction(submission({ callback_id: 'bug.submit', private_metadata: '{"f":"x-1","c":"C0SHOP"}' }, {}), { secret: 'wrong-secret-000000000000000000' });
    expect(res.status).toBe(401);
    expect(api.traffic()).toEqual([]);
  });
});
