/**
 * `oncall override @person until <time> [project]` and `oncall override clear [project]`: resolving the
 * person and the time, storing or ending the override, and announcing it in the project's chats.
 */
import { hasRole } from '../domain/access.js';
import type { Catalog, Person } from '../domain/catalog.js';
import { mentionOf, personName } from '../domain/people.js';
import { formatLocal, onCallWith } from '../domain/rotation.js';
import { hint } from '../domain/suggest.js';
import { formatDuration } from '../domain/duration.js';
import { resolveUntil, UNTIL_EXAMPLES, type UntilSpec } from '../domain/until.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { CoreServices } from '../services.js';

/** The longest override: beyond this, people should change the rotation in the config. */
export const MAX_OVERRIDE_MS = 14 * 86_400_000;

export interface SetOverrideArgs {
  mode: 'set';
  project: string;
  personId: string;
  until: UntilSpec;
}

export interface ClearOverrideArgs {
  mode: 'clear';
  project: string;
}

/** What setting and clearing an override use. */
export type OverrideServices = Pick<CoreServices, 'catalog' | 'clock' | 'logger' | 'incidents' | 'actions'>;

/** The person an override names, or the reply refusing the word (the shape an intent's resolve answers). */
export type OverridePerson = { ok: true; args: Person } | { ok: false; outcome: 'invalid' | 'not_found'; reply: Reply };

/**
 * A configured person by id or name (case-insensitive, `@` optional), or the person a platform mention
 * names (`mentioned`: the account behind a mention word of the event, see CommandEvent.mentions).
 */
export function findPersonWord(catalog: Catalog, word: string, mentioned?: (word: string) => Person | undefined): Person | undefined {
  const byMention = mentioned?.(word);
  if (byMention) return byMention;
  const w = word.replace(/^@/, '').trim().toLowerCase();
  return catalog.people.find((p) => p.id.toLowerCase() === w) ?? catalog.people.find((p) => p.name.toLowerCase() === w);
}

/** The person an override names: configured, and holding at least viewer on the project. */
export function resolveOverridePerson(
  catalog: Catalog,
  project: string,
  word: string,
  mentioned?: (word: string) => Person | undefined,
): OverridePerson {
  const person = findPersonWord(catalog, word, mentioned);
  const eligible = catalog.people.filter((p) => hasRole(p, 'viewer', project));
  if (!person) {
    const names = eligible.map((p) => p.name);
    return { ok: false, outcome: 'not_found', reply: replies.error(`No person "${word.slice(0, 64)}" in the config.`, hint('person', word.replace(/^@/, ''), names)) };
  }
  if (!eligible.includes(person)) {
    return {
      ok: false,
      outcome: 'invalid',
      reply: replies.error(`${person.name} has no role on ${project}.`, 'The person on call needs at least the viewer role on the project.'),
    };
  }
  return { ok: true, args: person };
}

/** When the override ends, or a reply saying why that time cannot be used. */
function overrideEnd(until: UntilSpec, now: Date, zone: string): { ok: true; at: Date } | { ok: false; reply: Reply } {
  const at = resolveUntil(until, now, zone);
  if (!at) return { ok: false, reply: replies.error('That date does not exist.', `Give the end as ${UNTIL_EXAMPLES}.`) };
  if (at <= now) return { ok: false, reply: replies.error(`${formatLocal(at, zone)} is not in the future.`, `Give a later end: ${UNTIL_EXAMPLES}.`) };
  if (at.getTime() - now.getTime() > MAX_OVERRIDE_MS) {
    return { ok: false, reply: replies.error(`${formatLocal(at, zone)} is more than 14 days ahead.`, 'An override lasts at most 14 days; change the rotation in the config for longer.') };
  }
  return { ok: true, at };
}

async function announce(services: OverrideServices, project: string, reply: Reply): Promise<void> {
  await services.actions.notifier
    .announce(project, reply)
    .catch((error: unknown) => services.logger.warn({ err: error, project }, 'cannot announce on-call override'));
}

/** `by` sets the override: it is stored, announced in the project's chats, and `by` gets a confirmation. */
export async function setOverride(services: OverrideServices, by: Person, args: SetOverrideArgs): Promise<Reply> {
  const { catalog, clock, incidents } = services;
  const now = clock.now();
  const spec = catalog.rotations.find((r) => r.project === args.project)!;
  const end = overrideEnd(args.until, now, spec.timezone);
  if (!end.ok) return end.reply;
  await incidents.overrides.create({ project: args.project, personId: args.personId, startsAt: now, endsAt: end.at, createdBy: by.id, createdAt: now });
  const scheduled = onCallWith(spec, now).scheduled;
  const instead = scheduled && scheduled !== args.personId ? ` instead of ${personName(catalog.people, scheduled)}` : '';
  const text = `is primary on call for ${args.project}${instead} until ${formatLocal(end.at, spec.timezone)} (${formatDuration(end.at.getTime() - now.getTime())}), override set by ${by.name}.`;
  const reply = new ReplyBuilder('success').header(`On-call override for ${args.project}`).mention([mentionOf(catalog.people, args.personId)], text).build();
  await announce(services, args.project, reply);
  // The announcement carries the mention; the requester gets a short confirmation (no second copy in a bound chat).
  return new ReplyBuilder('success').text(`Override set: ${personName(catalog.people, args.personId)} ${text}`).context(`Announced in ${args.project}'s chats.`).build();
}

/** `by` ends the override in effect early; the rotation's primary is announced again. */
export async function clearOverride(services: OverrideServices, by: Person, args: ClearOverrideArgs): Promise<Reply> {
  const { catalog, clock, incidents } = services;
  const now = clock.now();
  const ended = await incidents.overrides.cancel(args.project, now);
  if (ended === 0) return replies.info(`No on-call override in effect for ${args.project}.`);
  const spec = catalog.rotations.find((r) => r.project === args.project)!;
  const back = personName(catalog.people, onCallWith(spec, now).scheduled);
  const reply = new ReplyBuilder('success').text(`On-call override for ${args.project} cleared by ${by.name}: ${back} is primary on call again.`).build();
  await announce(services, args.project, reply);
  return reply;
}
