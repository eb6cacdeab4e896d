import { z } from 'zod';
import { hasRole } from '../domain/access.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import { defineIntent, type AnyIntent, type IntentContext } from './intent.js';

function mayRun(intent: AnyIntent, ctx: IntentContext<unknown>): boolean {
  if (intent.minRole === null) return true;
  return ctx.chatProjects.some((p) => hasRole(ctx.person, intent.minRole!, p));
}

export const helpIntent = defineIntent({
  name: 'help',
  summary: 'What you can run here',
  usage: 'help',
  minRole: null,
  schema: z.object({}),
  toInput: () => ({}),
  resolve: () => ({ ok: true, args: {} }),
  requires: () => null,
  async handle(ctx) {
    const allowed = ctx.services.intents().filter((i) => mayRun(i, ctx as IntentContext<unknown>));
    const b = new ReplyBuilder().header('Deckhand commands');
    // Syntax on its own line(s), one per `a | b` alternative, the summary indented under it: the widest
    // usage line no longer pushes every summary off a phone's screen.
    b.definitions(allowed.map((i) => ({ term: i.usage.split(' | ').join('\n'), description: i.summary })));
    if (ctx.chatProjects.length === 0) b.context('You have no role on a project usable from this chat yet.');
    else b.context(`Projects here: ${ctx.chatProjects.join(', ')}`);
    // Help is personal (it lists what the asker may run): only the asker sees it.
    return { ...b.build(), visibility: 'private' };
  },
});
