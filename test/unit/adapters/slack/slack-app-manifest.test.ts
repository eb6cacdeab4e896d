import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { SLACK_EVENTS_PATH } from '../../../../src/adapters/slack/slack.adapter.js';

const manifestSchema = z.object({
  features: z.object({
    slash_commands: z.array(z.object({ command: z.string(), url: z.string() })),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()) }) }),
  settings: z.object({
    event_subscriptions: z.object({ request_url: z.string(), bot_events: z.array(z.string()) }),
    interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string() }),
    socket_mode_enabled: z.boolean(),
  }),
});

describe('slack-app-manifest.yml', () => {
  const manifest = manifestSchema.parse(parse(readFileSync(new URL('../../../../slack-app-manifest.yml', import.meta.url), 'utf8')));
  const url = `https://YOUR-HOST${SLACK_EVENTS_PATH}`;

  it('points every request URL at the path the adapter serves', () => {
    expect(manifest.features.slash_commands).toEqual([{ command: '/deckhand', url }]);
    expect(manifest.settings.event_subscriptions.request_url).toBe(url);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: url });
  });

  it('asks only for the scopes and events the adapter uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['app_mentions:read', 'chat:write', 'commands', 'files:write']);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_mention']);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
