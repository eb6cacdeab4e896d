/**
 * The chat platforms Deckhand knows: one line each. A platform is one folder under src/adapters/
 * implementing ChatPlatform (chat-platform.ts); see docs/adding-a-platform.md.
 */
import type { ChatPlatform } from './chat-platform.js';
import { shellPlatform } from './shell/shell.platform.js';
import { slackPlatform } from './slack/slack.platform.js';
import { telegramPlatform } from './telegram/telegram.platform.js';

export const chatPlatforms = [
  telegramPlatform,
  slackPlatform,
  shellPlatform,
] as const satisfies readonly ChatPlatform[];

/** The id of a registered platform (`telegram`, `slack`, `shell`). */
export type PlatformId = (typeof chatPlatforms)[number]['id'];
