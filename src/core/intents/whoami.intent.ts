import { z } from 'zod';
import { ReplyBuilder } from '../messages/reply-builder.js';
import { defineIntent } from './intent.js';

export const whoamiIntent = defineIntent({
  name: 'whoami',
  summary: 'Who Deckhand thinks you are, and your roles',
  usage: 'whoami',
  minRole: null,
  schema: z.object({}),
  toInput: () => ({}),
  resolve: () => ({ ok: true, args: {} }),
  requires: () => null,
  async handle(ctx) {
    const { person, event } = ctx;
    const roles = person.roles.map((r) => [r.project === '*' ? 'every project' : r.project, r.env === '*' ? 'all' : r.env, r.role]);
    return new ReplyBuilder()
      .header(person.name)
      .fields([
        { label: 'Person', value: person.id },
        { label: `${event.platform} id`, value: event.platformUserId },
      ])
      .table(['PROJECT', 'ENV', 'ROLE'], roles)
      .build();
  },
});
