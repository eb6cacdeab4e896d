/**
 * The chat platforms Deckhand knows: one entry each (an import and a line). A platform is one folder under
 * src/adapters/ implementing ChatPlatform (chat-platform.ts); see docs/adding-a-platform.md.
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

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type Platforms = (typeof chatPlatforms)[number];

/** Every platform's environment variables, in registry order (merged into src/bot/env.ts). */
export const platformEnvShape = Object.assign({}, ...chatPlatforms.map((p) => p.env.shape)) as UnionToIntersection<Platforms['env']['shape']>;

/** Every platform's person field (the account id), in registry order (merged into the YAML's people). */
export const platformPersonShape = Object.assign({}, ...chatPlatforms.map((p) => ('person' in p ? p.person.shape : {}))) as UnionToIntersection<
  Extract<Platforms, { person: unknown }>['person']['shape']
>;

/** The variables that turn a platform on (`TELEGRAM_BOT_TOKEN`, `SLACK_BOT_TOKEN`), named when none is set. */
export const platformEnablers: readonly string[] = (chatPlatforms as readonly ChatPlatform[]).flatMap((p) => (p.enabledBy ? [p.enabledBy] : []));

/** The platforms whose chats deckhand.yaml can bind to projects (`chats:`, `reports:`). */
export const chatBindingPlatforms = chatPlatforms.filter((p) => p.bindsChats).map((p) => p.id) as [string, ...string[]];

/** Every registered platform id (rows that name a platform are checked against it). */
export const platformIds = chatPlatforms.map((p) => p.id) as [PlatformId, ...PlatformId[]];
