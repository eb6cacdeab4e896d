/**
 * `oncall [project]`: primary, secondary, any override and the next handoff; `oncall override …` lets
 * operators put someone else on call for a while, or end that early.
 */
import { z } from 'zod';
import { nameWord } from '../messages/words.js';
import { personName } from '../domain/people.js';
import { formatLocal } from '../domain/rotation.js';
import { hint } from '../domain/suggest.js';
import { parseUntil, startsTwoWordTime, UNTIL_EXAMPLES } from '../domain/until.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import { defineIntent, type IntentContext, type Resolution, type ResolveContext } from './intent.js';
import { projectOnCall } from '../oncall/oncall-now.js';
import { clearOverride, resolveOverridePerson, setOverride, type ClearOverrideArgs, type SetOverrideArgs } from '../oncall/oncall-override.js';
import { resolveProject } from '../actions/targets.js';

const SET_USAGE = 'oncall override @person until <time> [project]';
const USAGE = `oncall [project] | ${SET_USAGE} | oncall override clear [project]`;

type ShowArgs = { mode: 'show'; projects: string[] };
type OncallArgs = ShowArgs | SetOverrideArgs | ClearOverrideArgs;

const tooMany = z.undefined({ error: `too many arguments (${USAGE})` });

const inputSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('show'), project: nameWord.optional(), extra: tooMany }),
  z.object({ mode: z.literal('clear'), project: nameWord.optional(), extra: tooMany }),
  z.object({
    mode: z.literal('set'),
    person: z.string({ error: `who? (${SET_USAGE})` }).min(1).max(100, 'a person is an id or a name'),
    until: z
      .string({ error: `until when? e.g. ${UNTIL_EXAMPLES}` })
      .refine((v) => parseUntil(v) !== undefined, `the end must be a time such as ${UNTIL_EXAMPLES}`),
    project: nameWord.optional(),
    extra: tooMany,
  }),
]);

type Input = z.infer<typeof inputSchema>;

/** `override <person> [until] <time words> [project]`: the time is two words for `tomorrow`/a date, else one. */
function overrideInput(words: string[]): unknown {
  if (words[0]?.toLowerCase() === 'clear') return { mode: 'clear', project: words[1], extra: words[2] };
  const [person, ...rest] = words;
  const timeWords = rest[0]?.toLowerCase() === 'until' ? rest.slice(1) : rest;
  const n = startsTwoWordTime(timeWords[0]) ? 2 : 1;
  const until = timeWords.slice(0, n).join(' ');
  return { mode: 'set', person, until: until === '' ? undefined : until, project: timeWords[n], extra: timeWords[n + 1] };
}

function resolveInput(input: Input, { catalog, chatProjects, mentioned }: ResolveContext): Resolution<OncallArgs> {
  if (input.mode === 'show') {
    if (input.project && !chatProjects.includes(input.project)) {
      return { ok: false, outcome: 'not_found', reply: replies.error(`Unknown project "${input.project}".`, hint('project', input.project, chatProjects)) };
    }
    return { ok: true, args: { mode: 'show', projects: input.project ? [input.project] : chatProjects } };
  }
  const usage = input.mode === 'set' ? SET_USAGE : 'oncall override clear [project]';
  const target = resolveProject(catalog, chatProjects, input.project, undefined, usage);
  if (!target.ok) return target;
  const project = target.args.project.name;
  if (!catalog.rotations.some((r) => r.project === project)) {
    return { ok: false, outcome: 'not_found', reply: replies.error(`${project} has no on-call rotation to override.`, 'Add one under rotations in the Deckhand config.') };
  }
  if (input.mode === 'clear') return { ok: true, args: { mode: 'clear', project } };
  const person = resolveOverridePerson(catalog, project, input.person, mentioned);
  if (!person.ok) return person;
  return { ok: true, args: { mode: 'set', project, personId: person.args.id, until: parseUntil(input.until)! } };
}

async function showOnCall(ctx: IntentContext<ShowArgs>): Promise<Reply> {
  const { catalog, clock, incidents } = ctx.services;
  const now = clock.now();
  const name = (id: string | null) => personName(catalog.people, id);
  const rows: string[][] = [];
  const overrides: string[] = [];
  for (const project of ctx.args.projects.filter((p) => ctx.can({ role: 'viewer', project: p }))) {
    const shifts = await projectOnCall(catalog.rotations, incidents.overrides, project, now);
    for (const { spec, onCall } of shifts) {
      const primary = onCall.primary ? name(onCall.primary) + (onCall.override ? ' (override)' : '') : 'nobody yet';
      rows.push([project, primary, onCall.secondary ? name(onCall.secondary) : '-', name(onCall.next), formatLocal(onCall.nextHandoff, spec.timezone)]);
    }
    const first = shifts[0];
    if (first?.override && first.onCall.override) {
      const o = first.override;
      overrides.push(`${project}: ${name(o.personId)} instead of ${name(first.onCall.scheduled)} until ${formatLocal(o.endsAt, first.spec.timezone)}, set by ${name(o.createdBy)}`);
    }
  }
  if (rows.length === 0) return replies.info(`No on-call rotation is configured for ${ctx.args.projects.join(', ') || 'your projects'}.`);
  const b = new ReplyBuilder().header('On call').table(['PROJECT', 'PRIMARY', 'SECONDARY', 'NEXT', 'HANDOFF'], rows);
  if (overrides.length > 0) b.fields([{ label: overrides.length === 1 ? 'Override' : 'Overrides', value: overrides.join('\n') }]);
  return b.build();
}

export const oncallIntent = defineIntent({
  name: 'oncall',
  summary: 'Who is on call now and next; override it for a while (operators)',
  usage: USAGE,
  minRole: 'viewer',
  schema: inputSchema,
  toInput: (a) => {
    const [sub, ...rest] = a.positionals;
    if (sub?.toLowerCase() === 'override') return overrideInput(rest);
    return { mode: 'show', project: sub, extra: rest[0] };
  },
  resolve: resolveInput,
  requires: (a: OncallArgs) => {
    if (a.mode !== 'show') return { role: 'operator', project: a.project };
    return a.projects.length === 1 ? { role: 'viewer', project: a.projects[0] } : null;
  },
  async handle(ctx) {
    const args = ctx.args;
    if (args.mode === 'set') return setOverride(ctx.services, ctx.person, args);
    if (args.mode === 'clear') return clearOverride(ctx.services, ctx.person, args);
    return showOnCall({ ...ctx, args });
  },
});
