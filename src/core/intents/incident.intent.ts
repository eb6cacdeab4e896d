import { z } from 'zod';
import { incidentReply } from '../domain/alert-group.reply.js';
import type { Catalog } from '../domain/catalog.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import { defineIntent } from './intent.js';
import { resolveProject } from '../actions/targets.js';

const USAGE = 'incident [id] | incident note <text>';

type IncidentArgs = { mode: 'show'; id: string | undefined; projects: string[] } | { mode: 'note'; text: string; project: string };

const inputSchema = z.union([
  z.object({
    mode: z.literal('note'),
    text: z.string().trim().min(1, `write the note (${USAGE})`).max(1000, 'a note is at most 1000 characters'),
  }),
  z.object({
    mode: z.literal('show'),
    id: z.string().regex(/^[0-9A-Za-z]{1,16}$/, 'an incident id is letters and digits').optional(),
    extra: z.undefined({ error: `too many arguments (${USAGE})` }),
  }),
]);

const nameIn = (catalog: Catalog) => (id: string) => catalog.people.find((p) => p.id === id)?.name ?? id;

/** `incident [id]` shows an incident (default: the newest open one here); `incident note <text>` adds a note. */
export const incidentIntent = defineIntent({
  name: 'incident',
  summary: 'Show an incident, or add a note to the open one',
  usage: USAGE,
  minRole: 'viewer',
  schema: inputSchema,
  toInput: (a) =>
    a.positionals[0] === 'note'
      ? { mode: 'note', text: a.positionals.slice(1).join(' ') }
      : { mode: 'show', id: a.positionals[0], extra: a.positionals[1] },
  resolve: (input, { catalog, chatProjects }) => {
    if (input.mode === 'show') return { ok: true, args: { mode: 'show', id: input.id, projects: chatProjects } as IncidentArgs };
    const target = resolveProject(catalog, chatProjects, undefined, undefined, USAGE);
    if (!target.ok) return target;
    return { ok: true, args: { mode: 'note', text: input.text, project: target.args.project.name } as IncidentArgs };
  },
  requires: (a: IncidentArgs) => (a.mode === 'note' ? { role: 'operator', project: a.project } : { role: 'viewer' }),
  async handle(ctx) {
    const { catalog, clock } = ctx.services;
    const incidents = ctx.services.incidents.store;
    const args = ctx.args;
    if (args.mode === 'note') {
      const open = await incidents.latestOpen([args.project]);
      if (!open) return replies.info(`No open incident in ${args.project}.`);
      await incidents.addEntry(open.id, { at: clock.now(), kind: 'note', text: args.text, by: ctx.person.id });
      return new ReplyBuilder('success').text(`Note added to incident ${open.id} (${open.title}).`).build();
    }
    const visible = args.projects.filter((p) => ctx.can({ role: 'viewer', project: p }));
    const incident = args.id ? await incidents.get(args.id) : await incidents.latestOpen(visible);
    if (!incident || !visible.includes(incident.project)) {
      return args.id ? replies.error(`No incident "${args.id}" here.`, USAGE) : replies.info('No open incidents.');
    }
    return incidentReply(incident, clock.now(), nameIn(catalog));
  },
});
