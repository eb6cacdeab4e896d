/** Names and chat mentions of configured people, shared by on-call replies, pages and announcements. */
import type { MentionPerson } from '../messages/reply.js';
import type { Person } from './catalog.js';

/** The configured name of a person id (the id itself when unknown, "nobody" for null). */
export function personName(people: readonly Person[], id: string | null): string {
  if (id === null) return 'nobody';
  return people.find((p) => p.id === id)?.name ?? id;
}

/** How to mention a person id in a chat (by name only when the person is not configured). */
export function mentionOf(people: readonly Person[], id: string): MentionPerson {
  const person = people.find((p) => p.id === id);
  if (!person) return { name: id };
  return { name: person.name, accounts: { ...person.accounts } };
}
