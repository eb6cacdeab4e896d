/**
 * What the registry's descriptors decide on their own, so a new platform cannot forget it: the user-id label
 * of the refusal (put on every event by dispatchInbound) and the variables named when no platform is on.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ChatPlatform, PlatformIdentity } from '../../../src/adapters/chat-platform.js';
import { dispatchInbound } from '../../../src/adapters/inbound-dispatch.js';
import { chatPlatforms, platformEnablers } from '../../../src/adapters/platforms.js';
import { platformsModule, type WiredPlatforms } from '../../../src/bot/wire/platforms.js';
import type { CommandEvent } from '../../../src/core/messages/inbound.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { coreHarness } from '../../support/core-harness.js';
import { recordingLogger } from './telegram/recording-core.js';

/** Asks the real core, through the shared inbound path, as a stranger on `platform`; resolves to the reply shown. */
async function askAsStranger(platform: PlatformIdentity, event: Partial<CommandEvent> = {}): Promise<Reply> {
  const { core } = coreHarness();
  const shown: Reply[] = [];
  const stranger: CommandEvent = { kind: 'command', platform: platform.id, platformUserId: 'stranger-9', chatId: 'c1', chatType: 'private', receivedAt: new Date(), text: 'status shop', ...event };
  await dispatchInbound({ platform, core, logger: silentLogger }, stranger, {
    render: (reply) => reply,
    post: async (reply) => {
      shown.push(reply);
      return [];
    },
  });
  expect(shown).toHaveLength(1);
  return shown[0]!;
}

describe('platform registry: the user-id label', () => {
  it.each([
    ['telegram', 'telegram user id'],
    ['slack', 'slack user id'],
    ['shell', 'person id'],
  ])('refuses a stranger on %s naming their %s', async (id, label) => {
    const platform = chatPlatforms.find((p) => p.id === id)!;
    const reply = await askAsStranger(platform);
    expect(reply.text).toContain(`Ask an admin to add your ${label} stranger-9 to the people in the Deckhand config.`);
  });

  it("takes a new platform's label from its descriptor, whatever its adapter put on the event", async () => {
    const matrix = { id: 'matrix', userIdLabel: 'Matrix user id' };
    expect((await askAsStranger(matrix)).text).toContain('your Matrix user id stranger-9 ');
    expect((await askAsStranger(matrix, { userIdLabel: 'something else' })).text).toContain('your Matrix user id stranger-9 ');
  });
});

describe('platform registry: enabling variables', () => {
  it('are the bot tokens, in registry order, and none of them set turns no platform on', () => {
    expect(platformEnablers).toEqual(['TELEGRAM_BOT_TOKEN', 'SLACK_BOT_TOKEN']);
    for (const p of chatPlatforms as readonly ChatPlatform[]) expect(p.configured(p.env.parse({}), 'server'), p.id).toBe(false);
  });

  it('are named in the warning when no platform is configured', async () => {
    const { logger, entries } = recordingLogger();
    const none: WiredPlatforms = {
      platforms: [],
      routes: [],
      readiness: [],
      send: async () => {},
      start: async () => {},
      stop: async () => {},
      drain: async () => ({}),
    };
    await platformsModule(none, logger, { drainMs: 0 }).start?.();
    expect(entries).toEqual([{ level: 'warn', obj: {}, msg: 'no chat platform configured (TELEGRAM_BOT_TOKEN / SLACK_BOT_TOKEN); try `npm run shell`' }]);
  });
});

// Checked by tsc (test/ is type-checked): a descriptor whose person field parses to a non-string, or whose
// enabling variable is not one of its own, does not compile.
const env = z.object({ MATRIX_TOKEN: z.string().optional() });
const matrixBase = {
  id: 'matrix',
  userIdLabel: 'matrix user id',
  bindsChats: true,
  env,
  configured: () => false,
  wire: async () => {
    throw new Error('not wired in this test');
  },
};
export const numericAccount = {
  ...matrixBase,
  personField: 'matrix',
  // @ts-expect-error an account id must parse to a string
  person: z.object({ matrix: z.number().int().optional() }),
} satisfies ChatPlatform<typeof env>;
export const foreignEnabler = {
  ...matrixBase,
  // @ts-expect-error the enabling variable is one of the platform's own
  enabledBy: 'TELEGRAM_BOT_TOKEN',
} satisfies ChatPlatform<typeof env>;
export const fine = { ...matrixBase, enabledBy: 'MATRIX_TOKEN', personField: 'matrix', person: z.object({ matrix: z.string().optional() }) } satisfies ChatPlatform<typeof env>;
