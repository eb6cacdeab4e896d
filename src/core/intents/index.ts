import { envIntent } from './env.intent.js';
import { helpIntent } from './help.intent.js';
import type { AnyIntent } from './intent.js';
import { logsIntent } from './logs.intent.js';
import { oncallIntent } from './oncall.intent.js';
import { statusIntent } from './status.intent.js';
import { whoamiIntent } from './whoami.intent.js';

/** Every intent, in the order `help` lists them. */
export const allIntents: readonly AnyIntent[] = [helpIntent, statusIntent, logsIntent, envIntent, oncallIntent, whoamiIntent];
